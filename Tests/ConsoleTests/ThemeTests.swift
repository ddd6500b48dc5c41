import FleetdeckTestSupport
import FleetCore
import Testing
@testable import Console

@Suite struct ThemeTests {
    @Test(arguments: ["dark", "light", "high-contrast", "monochrome"])
    func shippedThemesLoadAndStyleEveryRole(_ name: String) throws {
        let t = try ThemeLoader.load(file: RepositoryRoot.path + "/Themes/\(name).yaml")
        #expect(t.name == name)
        for role in StyleRole.allCases { #expect(t.styles[role] != nil, "\(name) lacks \(role)") }
    }

    @Test func monochromeUsesNoColour() throws {
        let t = try ThemeLoader.load(file: RepositoryRoot.path + "/Themes/monochrome.yaml")
        #expect(t.styles.values.allSatisfy { $0.foreground == .terminalDefault && $0.background == .terminalDefault })
        #expect(t.style(.selected).reverse)
    }

    @Test func aBadColourNamesTheLineAndRole() {
        let e = #expect(throws: ConfigFileError.self) {
            try ThemeLoader.parse(text: "name: x\nroles:\n  normal: {fg: \"#12345\"}\n", file: "x.yaml")
        }
        #expect(e?.line == 3)
        #expect(e?.field == "roles.normal.fg")
    }

    @Test func anUnknownRoleIsAnError() {
        let e = #expect(throws: ConfigFileError.self) {
            try ThemeLoader.parse(text: "name: x\nroles:\n  normal: {}\n  sparkles: {bold: true}\n", file: "x.yaml")
        }
        #expect(e?.line == 4)
        #expect(e?.message.contains("unknown role") == true)
    }

    @Test func coloursParse() {
        #expect(ThemeColor("#ff8000") == .rgb(255, 128, 0))
        #expect(ThemeColor("default") == .terminalDefault)
        #expect(ThemeColor("red") == nil)
        #expect(ThemeColor("#gg0000") == nil)
    }

    @Test func colourFallbacksPickTheNearestPaletteEntry() {
        #expect(ColorQuantizer.xterm256(255, 0, 0) == 196)
        #expect(ColorQuantizer.xterm256(0, 0, 0) == 16)
        #expect(ColorQuantizer.xterm256(128, 128, 128) == 244)   // grey ramp beats the cube
        #expect(ColorQuantizer.xterm256(95, 135, 175) == 67)
        #expect(ColorQuantizer.ansi8(250, 20, 20) == 1)
        #expect(ColorQuantizer.ansi8(10, 200, 10) == 2)
        #expect(ColorQuantizer.ansi8(240, 240, 240) == 7)
        #expect(ColorQuantizer.ansi8(20, 20, 20) == 0)
    }
}
