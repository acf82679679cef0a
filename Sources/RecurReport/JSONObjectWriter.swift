/// Writes one JSON object with its keys in the order they are added, so output
/// columns never move between runs (Foundation's encoder orders keys itself).
public struct JSONObjectWriter: Sendable {
  private var fields: [String] = []

  public init() {}

  public mutating func add(_ key: String, _ value: String?) {
    fields.append(Self.quote(key) + ":" + (value.map(Self.quote) ?? "null"))
  }

  public mutating func add(_ key: String, _ value: Int?) {
    fields.append(Self.quote(key) + ":" + (value.map(String.init) ?? "null"))
  }

  /// Writes a finite number with at most `decimals` places; a non-finite one as null.
  public mutating func add(_ key: String, _ value: Double?, decimals: Int = 3) {
    guard let value, value.isFinite else {
      fields.append(Self.quote(key) + ":null")
      return
    }
    fields.append(Self.quote(key) + ":" + Self.format(value, decimals: decimals))
  }

  public mutating func add(_ key: String, _ value: Bool) {
    fields.append(Self.quote(key) + ":" + (value ? "true" : "false"))
  }

  /// Adds an already-encoded JSON value (an array or a nested object).
  public mutating func add(_ key: String, raw json: String) {
    fields.append(Self.quote(key) + ":" + json)
  }

  public var json: String { "{" + fields.joined(separator: ",") + "}" }

  /// A number rounded to at most `decimals` places, without trailing zeros.
  public static func format(_ value: Double, decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<max(0, decimals) { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    if rounded == rounded.rounded(.towardZero) && abs(rounded) < 1e15 {
      return String(Int64(rounded))
    }
    return String(rounded)
  }

  /// A JSON string literal: quotes, backslashes and control characters escaped.
  public static func quote(_ text: String) -> String {
    var out = "\""
    out.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{2028}": out += "\\u2028"
      case "\u{2029}": out += "\\u2029"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
