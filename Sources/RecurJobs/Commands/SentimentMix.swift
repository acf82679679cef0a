import Foundation
import RecurModels
import RecurText

/// A sentiment training mix: which files train the model, how much each weighs, and what
/// each is checked on. One source a line, `#` starts a comment:
///
///     # file                              weight  dev
///     imdb/train.tsv                      0.5     hold-out 0.1
///     sst2/train.tsv                      2       sst2/dev.tsv
///     reviews/semeval14/laptops.tsv       1       hold-out 0.2
///     subj/all.tsv                        1       hold-out 0.1
///     conll2003/train.tsv                 0.3     conll2003/dev.tsv   as objective
///
/// - **file**: a `label<TAB>text` or IMDb-layout file, relative to the data folder.
/// - **weight**: how many times an epoch its rows are used (0.25 = a fresh quarter of them
///   each epoch; 0 = not trained on, only checked).
/// - **dev**: `hold-out F` keeps a share F of the rows out of training as this source's dev
///   set (drawn with the fixed hold-out seed), a file path names a dev file of its own, and
///   `-` means no dev set.
/// - **as subjective|objective** (optional): every row (and dev row) is an opinion example
///   with that label, whatever the file's own labels say: review sentences as opinion,
///   news or encyclopedia sentences as fact. Such a file may also be a CoNLL-style names
///   file (`token<TAB>tag`), whose sentences of at least five tokens are read.
/// - **negate=W** (optional, polarity sources only): the source's short rows that one `not`
///   after their copula turns around (`SentimentNegation`) are also trained on so negated,
///   with the other label, W times an epoch.
/// - **titles=W** (optional, polarity sources only): the rows' titles (the text before
///   the first `". "` of a row written `title. review`, one to fifteen words;
///   `SentimentData.title(of:)`) are also trained on as short rows of their own, with
///   their review's label, W times an epoch; the dev rows' titles are scored as a dev set
///   of their own that does not take part in selection.
/// - **sentences=W** (optional, polarity sources only): the sentences of the rows' texts
///   (four to twenty tokens, ending in `.`, `!` or `?`; `SentimentData.sentences`) are also
///   trained on as rows of their own, with their review's label, W times an epoch.
/// - **smooth=S** (optional): the source's rows (and the rows `negate=`, `titles=` and
///   `sentences=` make of them) are taught with a share S of each target spread evenly over
///   the two classes (label smoothing), for labels that are often wrong — a sentence
///   labelled by its review's stars. 0 < S < 1.
/// - **pages=TYPE,…** (optional, before `as`): the file is the `index.tsv` of a folder in
///   the WCXB layout, and the prose sentences of the reference main texts of the pages of
///   those types are the rows (`SentimentData.pageSentences`); it needs `as`.
public struct SentimentMix: Sendable, Equatable {
  public struct Source: Sendable, Equatable {
    public var file: String
    public var weight: Double
    public var dev: MixDev
    /// The opinion label every row gets (`as subjective`: 1, `as objective`: 0), if any.
    public var opinionLabel: Int?
    /// The page types whose sentences are read, for a WCXB-layout `index.tsv` (`pages=`).
    public var pageTypes: [String]? = nil
    /// The weight of the rows' negated copies (`negate=`), if any.
    public var negatedWeight: Double? = nil
    /// The weight of the rows' titles as rows of their own (`titles=`), if any.
    public var titleWeight: Double? = nil
    /// The weight of the rows' sentences as rows of their own (`sentences=`), if any.
    public var sentenceWeight: Double? = nil
    /// The share of each target spread over the classes (`smooth=`), if any.
    public var smoothing: Double? = nil
    /// The mix file's line, for messages.
    public var line: Int
  }

  public var sources: [Source]

  public static func load(_ path: String) throws(RecurError) -> SentimentMix {
    try parse(readMixFile(path), name: path)
  }

  public static func parse(_ text: String, name: String) throws(RecurError) -> SentimentMix {
    var sources: [Source] = []
    for (index, raw) in text.fileLines.enumerated() {
      let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
      var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
      guard !fields.isEmpty else { continue }
      let location = "\(name):\(index + 1)"
      var opinionLabel: Int?
      if fields.count >= 2, fields[fields.count - 2] == "as" {
        switch fields[fields.count - 1] {
        case "subjective": opinionLabel = 1
        case "objective": opinionLabel = 0
        default:
          throw RecurError(
            .usage, "`as` takes subjective or objective, found '\(fields[fields.count - 1])'", location: location)
        }
        fields.removeLast(2)
      }
      // The options that add polarity rows made from the source's own, and their weights.
      let adding = [
        (prefix: "negate=", number: "the negated copies' weight"), (prefix: "titles=", number: "the titles' weight"),
        (prefix: "sentences=", number: "the sentences' weight"),
      ]
      var added: [String: Double] = [:]
      var smoothing: Double?
      while let last = fields.last {
        if last.hasPrefix("smooth=") {
          guard smoothing == nil else { throw RecurError(.usage, "`smooth=` is given twice", location: location) }
          guard let share = Double(last.dropFirst("smooth=".count)), share > 0, share < 1 else {
            throw RecurError(.usage, "`\(last)`: the smoothing is a share above 0 and below 1", location: location)
          }
          smoothing = share
          fields.removeLast()
          continue
        }
        guard let adds = adding.first(where: { last.hasPrefix($0.prefix) }) else { break }
        let option = adds.prefix
        guard let weight = Double(last.dropFirst(option.count)), weight.isFinite, weight > 0, weight <= 100 else {
          throw RecurError(.usage, "`\(last)`: \(adds.number) is a number above 0 and up to 100", location: location)
        }
        guard opinionLabel == nil else {
          throw RecurError(.usage, "`\(option)` adds polarity rows: it does not go with `as`", location: location)
        }
        guard added[option] == nil else {
          throw RecurError(.usage, "`\(option)` is given twice", location: location)
        }
        added[option] = weight
        fields.removeLast()
      }
      var pageTypes: [String]?
      if let last = fields.last, last.hasPrefix("pages=") {
        let types = last.dropFirst("pages=".count).split(separator: ",").map(String.init)
        guard !types.isEmpty else { throw RecurError(.usage, "`pages=` names no page type", location: location) }
        guard opinionLabel != nil else {
          throw RecurError(
            .usage, "pages carry no labels: a `pages=` source needs `as subjective` or `as objective`",
            location: location)
        }
        pageTypes = types
        fields.removeLast()
      }
      guard fields.count >= 3 else {
        throw RecurError(.usage, "expected `file weight dev`, found \(fields.count) field(s)", location: location)
      }
      guard let weight = Double(fields[1]), weight.isFinite, weight >= 0, weight <= 100 else {
        throw RecurError(.usage, "weight '\(fields[1])' is not a number from 0 to 100", location: location)
      }
      let dev: MixDev
      switch fields[2] {
      case "-":
        guard fields.count == 3 else { throw RecurError(.usage, "unexpected text after `-`", location: location) }
        dev = .none
      case "hold-out":
        dev = .holdOut(try holdOutShare(fields.count == 4 ? fields[3] : nil, location: location))
      default:
        guard fields.count == 3 else {
          throw RecurError(.usage, "unexpected text after the dev file '\(fields[2])'", location: location)
        }
        dev = .file(fields[2])
      }
      if sources.contains(where: {
        $0.file == fields[0] && $0.opinionLabel == opinionLabel && $0.pageTypes == pageTypes
      }) {
        throw RecurError(.usage, "'\(fields[0])' is listed twice: give it one line and a weight", location: location)
      }
      if weight == 0, !added.isEmpty {
        throw RecurError(
          .usage,
          "'\(fields[0])' has weight 0: its rows are not trained on, so neither are their negated copies, "
            + "titles or sentences",
          location: location)
      }
      if weight == 0, dev == .none {
        throw RecurError(.usage, "'\(fields[0])' has weight 0 and no dev set: it would not be used", location: location)
      }
      sources.append(
        Source(
          file: fields[0], weight: weight, dev: dev, opinionLabel: opinionLabel, pageTypes: pageTypes,
          negatedWeight: added["negate="], titleWeight: added["titles="], sentenceWeight: added["sentences="],
          smoothing: smoothing, line: index + 1))
    }
    guard sources.contains(where: { $0.weight > 0 }) else {
      throw RecurError(.usage, "the training mix names no source with a weight above 0", location: name)
    }
    return SentimentMix(sources: sources)
  }
}

/// A training-mix line's dev field (sentiment and names mixes): none (`-`), a share of the
/// file held out (`hold-out SHARE`), or a dev file of its own.
public enum MixDev: Sendable, Equatable {
  case none
  case holdOut(Double)
  case file(String)
}

/// The share of a mix line's `hold-out SHARE` (`text`: the field after `hold-out`, nil when
/// there is none or more than the line allows), or a usage error at `location`.
func holdOutShare(_ text: String?, location: String) throws(RecurError) -> Double {
  guard let text, let share = Double(text), share > 0, share < 0.9 else {
    throw RecurError(.usage, "`hold-out` needs one share above 0 and below 0.9", location: location)
  }
  return share
}

/// The text of a training-mix file, or a usage error naming it.
func readMixFile(_ path: String) throws(RecurError) -> String {
  guard let data = FileManager.default.contents(atPath: path) else {
    throw RecurError(.usage, "cannot read the training mix", location: path)
  }
  guard let text = String(data: data, encoding: .utf8) else {
    throw RecurError(.usage, "the training mix is not UTF-8 text", location: path)
  }
  return text
}
