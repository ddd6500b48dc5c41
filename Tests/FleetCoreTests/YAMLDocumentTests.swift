import Testing
@testable import FleetCore

@Suite struct YAMLDocumentTests {
    let text = """
        name: demo
        pools:
          - id: a
            nodes: 4
          - id: b
            nodes: four
        """

    @Test func aWrongTypeNamesTheLineAndTheField() throws {
        let doc = try YAMLValue.parse(text, file: "demo.yaml")
        let pools = try doc.required("pools").array()
        #expect(try pools[0].required("nodes").int() == 4)
        let error = #expect(throws: ConfigFileError.self) { try pools[1].required("nodes").int() }
        #expect(error?.line == 6)
        #expect(error?.field == "pools[1].nodes")
        #expect(error?.description == "demo.yaml:6: pools[1].nodes: expected a whole number")
    }

    /// Yams builds base-60 integers with trapping arithmetic: eleven parts overflow.
    @Test func aBaseSixtyIntegerIsRefusedNotTrapped() throws {
        let doc = try YAMLValue.parse("nodes: 1:1:1:1:1:1:1:1:1:1:1\nseed: 9223372036854775807:0\nport: 0x1F\n", file: "f.yaml")
        for key in ["nodes", "seed"] {
            let error = #expect(throws: ConfigFileError.self) { try doc.required(key).int() }
            #expect(error?.message == "expected a whole number")
        }
        #expect(try doc.required("port").int() == 31)
    }

    @Test func aMissingFieldNamesTheMappingsLine() throws {
        let doc = try YAMLValue.parse(text, file: "demo.yaml")
        let error = #expect(throws: ConfigFileError.self) { try doc.required("pools").array()[0].required("gpu") }
        #expect(error?.field == "pools[0].gpu")
        #expect(error?.line == 3)
        #expect(error?.message == "missing required field")
    }

    @Test func unknownKeysAreRejectedWithTheirLine() throws {
        let doc = try YAMLValue.parse("name: x\nnodez: 3\n", file: "f.yaml")
        let error = #expect(throws: ConfigFileError.self) { try doc.allowKeys(["name", "nodes"]) }
        #expect(error?.line == 2)
        #expect(error?.field == "nodez")
        #expect(error?.message.contains("expected one of: name, nodes") == true)
    }

    @Test func syntaxErrorsCarryTheirLine() {
        let error = #expect(throws: ConfigFileError.self) {
            try YAMLValue.parse("a: 1\nb: [1, 2\nc: 3\n", file: "broken.yaml")
        }
        #expect(error?.file == "broken.yaml")
        #expect(error?.line != nil)
        #expect(error?.message.hasPrefix("YAML syntax") == true)
    }

    @Test func rangesAndChoicesAreChecked() throws {
        let doc = try YAMLValue.parse("share: 1.5\nkind: gpus\n", file: "f.yaml")
        #expect(throws: ConfigFileError.self) { try doc.required("share").double(in: 0...1) }
        let e = #expect(throws: ConfigFileError.self) { try doc.required("kind").oneOf(["gpu", "api"]) }
        #expect(e?.message == "'gpus' is not one of: gpu, api")
    }

    @Test func controlCharactersInMessagesAreNeutralised() {
        let e = ConfigFileError(file: "f.yaml", line: 1, field: "x", message: "bad \u{1B}[31mred")
        #expect(!e.description.unicodeScalars.contains { $0.value == 0x1B })
    }

    @Test func aHostileKeyCannotReachTheTerminalThroughTheFieldName() throws {
        let doc = try YAMLValue.parse("name: x\n\"evil\\e[2J\": 1\n", file: "f.yaml")
        let e = #expect(throws: ConfigFileError.self) { try doc.allowKeys(["name"]) }
        #expect(e?.field?.contains("\u{1B}") == true)            // kept for programs
        #expect(e?.description.contains("\u{1B}") == false)     // never printed raw
    }
}
