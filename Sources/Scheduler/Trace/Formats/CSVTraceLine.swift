import FleetCore

/// Where a CSV trace keeps its three numbers, from its header. Azure's
/// `TIMESTAMP,ContextTokens,GeneratedTokens`; BurstGPT's `Timestamp,Model,Request tokens,
/// Response tokens,Total tokens,Log Type` (and the later release's extra columns).
struct CSVColumns {
    var time: Int
    var prompt: Int
    var output: Int
    var count: Int

    init(header: String, format: TraceFormat, file: String, line: Int) throws {
        let names = header.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let wanted = format == .azure ? ["timestamp", "contexttokens", "generatedtokens"]
                                      : ["timestamp", "request tokens", "response tokens"]
        var found: [Int] = []
        for w in wanted {
            guard let i = names.firstIndex(of: w) else {
                throw ConfigFileError(file: file, line: line, field: nil,
                                      message: "the \(format.rawValue) header has no column '\(w)' (got: \(names.joined(separator: ",")))")
            }
            found.append(i)
        }
        time = found[0]; prompt = found[1]; output = found[2]; count = names.count
    }
}

/// A CSV trace's row. Azure stamps wall-clock times (`2023-11-16 18:15:46.6805900`, 2024's
/// with `+00:00`); BurstGPT counts seconds from the start.
enum CSVTraceLine {
    static func decode(_ text: String, number line: Int, columns: CSVColumns, origin: inout Double?,
                       decoder: TraceLineDecoder) throws -> TraceRequest {
        let cells = text.split(separator: ",", omittingEmptySubsequences: false)
        guard cells.count >= max(columns.time, columns.prompt, columns.output) + 1 else {
            throw decoder.fail(line, nil, "expected \(columns.count) columns, got \(cells.count) (a cut line?)")
        }
        func number(_ i: Int, _ field: String) throws -> Double {
            let cell = cells[i].trimmingCharacters(in: .whitespaces)
            guard let d = Double(cell), d.isFinite else {
                throw decoder.fail(line, field, "expected a number (got '\(cell.prefix(40))')")
            }
            return d
        }
        let arrival: Double
        if decoder.format == .azure {
            let stamp = cells[columns.time].trimmingCharacters(in: .whitespaces)
            guard let t = WallClockStamp.seconds(stamp) else {
                throw decoder.fail(line, "TIMESTAMP", "expected a time stamp like 2023-11-16 18:15:46.6805900 (got '\(stamp.prefix(40))')")
            }
            if origin == nil { origin = t }
            arrival = t - origin!
            guard arrival >= 0 else {
                throw decoder.fail(line, "TIMESTAMP", "this row is \(String(format: "%.3f", -arrival)) s before the trace's first")
            }
        } else {
            arrival = try number(columns.time, "Timestamp")
            guard arrival >= 0 else { throw decoder.fail(line, "Timestamp", "an arrival cannot be before the trace starts (got \(arrival))") }
        }
        let (pName, oName) = decoder.format == .azure ? ("ContextTokens", "GeneratedTokens") : ("Request tokens", "Response tokens")
        return TraceRequest(line: line, id: "line-\(line)", arrival: arrival,
                            promptTokens: try decoder.tokens(number(columns.prompt, pName), field: pName, line: line),
                            outputTokens: try decoder.tokens(number(columns.output, oName), field: oName, line: line))
    }
}

/// Seconds since 1970 of an ISO-like stamp: `YYYY-MM-DD HH:MM:SS[.fraction][Z|±HH:MM]`, with a
/// space or a `T` between date and time; no zone means UTC.
enum WallClockStamp {
    static func seconds(_ s: String) -> Double? {
        let u = Array(s.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= u.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard u.count >= 19, u[4] == 45, u[7] == 45, u[10] == 32 || u[10] == 84, u[13] == 58, u[16] == 58,
              let y = digits(0, 4), let mo = digits(5, 2), let d = digits(8, 2),
              let h = digits(11, 2), let mi = digits(14, 2), let sec = digits(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        var i = 19
        var fraction = 0.0
        if i < u.count, u[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < u.count, u[i] >= 48, u[i] <= 57 { fraction += Double(u[i] - 48) * scale; scale /= 10; i += 1 }
            guard i > start else { return nil }
        }
        var offset = 0
        if i < u.count {
            if u[i] == 90 {
                i += 1
            } else if u[i] == 43 || u[i] == 45, let zh = digits(i + 1, 2) {
                let sign = u[i] == 45 ? -1 : 1
                var zm = 0
                if i + 3 < u.count, u[i + 3] == 58, let m = digits(i + 4, 2) { zm = m; i += 6 }
                else if let m = digits(i + 3, 2) { zm = m; i += 5 }
                else { i += 3 }
                offset = sign * (zh * 3600 + zm * 60)
            } else {
                return nil
            }
        }
        guard i == u.count else { return nil }
        return Double(daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset) + fraction
    }

    /// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
