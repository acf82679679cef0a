import Foundation
import RecurModels
import RecurText

/// A names training mix: which tagged files train the tagger, how much each weighs, how
/// their entity types map onto the model's, and how each dev file counts in model
/// selection. One source a line, `#` starts a comment:
///
///     # file               weight  dev                 options
///     conll2003/train.tsv  1       conll2003/dev.tsv   select=overall:2
///     wnut17/train.tsv     1       -                   map=person:PER,group:ORG partial=MISC
///     wnut17/dev.tsv       1       hold-out 0.5        map=person:PER,group:ORG partial=MISC select=PER:1
///     wikiann_en/train.tsv 0.5     wikiann_en/dev.tsv  select=PER:1
///
/// - **file**: a CoNLL-style `token<TAB>tag` file (IOB2), relative to the data folder.
/// - **weight**: how many times an epoch its sentences are used (0.5 = a fresh half of them
///   each epoch).
/// - **dev**: its dev file, `-`, or `hold-out SHARE`: the file's last SHARE of sentences (in
///   file order, so that the sentences of one post or thread stay on one side) are its dev
///   set and the rest trains. Dev sentences that also occur in a training file of the mix
///   are dropped from it.
/// - **map=FROM:TO,…**: renames the file's entity types (train and dev) to the model's;
///   `FROM:-` drops a type's marks (its names read as `O`, which may then hide a name of
///   any type the file no longer uses): for a file whose marks of that type follow other
///   conventions than the model's.
/// - **partial=TYPE,…**: model types this file does not mark everywhere: where it says `O`,
///   a name of these types may stand, and training does not teach `O` there. Types of the
///   model that the file never uses count as partial without being named.
/// - **select=METRIC:WEIGHT**: what its dev file adds to the selection score (the weighted
///   mean over dev files): `overall` F1 or one type's F1 (default `overall:1`).
/// - **head=NAME**: the output head (output layer and CRF over the shared encoder) the file
///   trains; files of the same name share one (default `main`). The first file's head tags;
///   a file whose conventions differ (silver labels, other type boundaries) can train its
///   own, so the encoder learns from its text without the tagger taking on its conventions.
public struct NamesMix: Sendable, Equatable {
  public struct Source: Sendable, Equatable {
    public var file: String
    public var weight: Double
    /// Its dev set: none, a dev file, or a share of the file's sentences, its last ones (`hold-out SHARE`).
    public var dev: MixDev
    public var map: [String: String] = [:]
    public var partial: Set<String> = []
    public var metric = "overall"
    public var selectionWeight = 1.0
    public var head = "main"
    /// The mix file's line, for messages.
    public var line: Int
  }

  public var sources: [Source]

  public static func load(_ path: String) throws(RecurError) -> NamesMix {
    try parse(readMixFile(path), name: path)
  }

  public static func parse(_ text: String, name: String) throws(RecurError) -> NamesMix {
    var sources: [Source] = []
    for (index, raw) in text.fileLines.enumerated() {
      let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
      guard !fields.isEmpty else { continue }
      let location = "\(name):\(index + 1)"
      guard fields.count >= 3 else {
        throw RecurError(
          .usage, "expected `file weight dev [options]`, found \(fields.count) field(s)", location: location)
      }
      guard let weight = Double(fields[1]), weight.isFinite, weight > 0, weight <= 100 else {
        throw RecurError(.usage, "weight '\(fields[1])' is not a number above 0 and at most 100", location: location)
      }
      let dev: MixDev
      switch fields[2] {
      case "-": dev = .none
      case "hold-out": dev = .holdOut(try holdOutShare(fields.count > 3 ? fields[3] : nil, location: location))
      default: dev = .file(fields[2])
      }
      var source = Source(file: fields[0], weight: weight, dev: dev, line: index + 1)
      for option in fields.dropFirst(fields[2] == "hold-out" ? 4 : 3) {
        let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else {
          throw RecurError(.usage, "expected map=, partial=, select= or head=, found '\(option)'", location: location)
        }
        let items = parts[1].split(separator: ",").map(String.init)
        switch parts[0] {
        case "map":
          for (from, to) in try typeMap(parts[1], location: location) {
            guard source.map[from] == nil else {
              throw RecurError(.usage, "map renames '\(from)' twice", location: location)
            }
            source.map[from] = to
          }
        case "partial":
          guard items.allSatisfy(isTypeName) else {
            throw RecurError(.usage, "partial= lists type names, found '\(parts[1])'", location: location)
          }
          source.partial.formUnion(items)
        case "select":
          let pair = parts[1].split(separator: ":").map(String.init)
          guard pair.count == 2, isTypeName(pair[0]), let value = Double(pair[1]), value.isFinite, value >= 0 else {
            throw RecurError(
              .usage, "select= takes METRIC:WEIGHT (overall or a type, weight 0 or more)", location: location)
          }
          source.metric = pair[0]
          source.selectionWeight = value
        case "head":
          guard isTypeName(parts[1]) else {
            throw RecurError(.usage, "head= takes a name, found '\(parts[1])'", location: location)
          }
          source.head = parts[1]
        default:
          throw RecurError(.usage, "unknown option '\(parts[0])' (map, partial, select, head)", location: location)
        }
      }
      if sources.contains(where: { $0.file == source.file }) {
        throw RecurError(.usage, "'\(source.file)' is listed twice: give it one line and a weight", location: location)
      }
      sources.append(source)
    }
    guard !sources.isEmpty else { throw RecurError(.usage, "the training mix names no file", location: name) }
    return NamesMix(sources: sources)
  }

  /// A type map written `FROM:TO,…` (`FROM:-` drops a type's marks), each FROM once.
  public static func typeMap(_ text: String, location: String? = nil) throws(RecurError) -> [String: String] {
    var map: [String: String] = [:]
    for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
      let pair = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
      guard pair.count == 2, isTypeName(pair[0]), isTypeName(pair[1]) || pair[1] == "-", map[pair[0]] == nil else {
        throw RecurError(
          .usage, "map entries are FROM:TO type names, each FROM once; found '\(item)'", location: location)
      }
      map[pair[0]] = pair[1]
    }
    return map
  }

  static func isTypeName(_ text: String) -> Bool {
    !text.isEmpty && text.count <= 40 && text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
  }
}
