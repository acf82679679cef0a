/// Word features the sentiment model can read beside each word vector, named in its
/// card's architecture (`features`, comma-separated, in this order).
public enum SentimentFeature: String, CaseIterable, Sendable {
  /// 1 for a word in the scope of a negation: from the word after `not`, `no`, `never`,
  /// `n't`, `without`, `nothing`, … to the end of its clause (punctuation, or a `but`), so
  /// that `no problems`, `not bad` and `did n't shrink` read apart from `problems`, `bad`
  /// and `shrink` however rarely training labelled them (after Das and Chen 2001 and Pang
  /// et al. 2002, who marked such words for word-count classifiers).
  case negation

  /// Lower-cased tokens that open a negation's scope (the tokenizer splits `didn't` into
  /// `did` `n't`; user text also writes `dont`, `didnt`).
  static let negationCues: Set<String> = [
    "not", "no", "never", "n't", "n’t", "cannot", "without", "nothing", "none", "nobody", "nowhere", "neither",
    "nor", "hardly", "barely", "scarcely", "dont", "didnt", "doesnt", "isnt", "wasnt", "arent", "werent", "cant",
    "wont", "wouldnt", "couldnt", "shouldnt", "havent", "hasnt", "hadnt", "aint",
  ]

  /// Lower-cased words that end a negation's scope besides punctuation.
  static let scopeEnds: Set<String> = ["but", "however", "although", "though", "yet", "except"]

  /// The names in a card's `features` entry; an unknown name is an error.
  static func parse(_ text: String?) throws(DataFileError) -> [SentimentFeature] {
    guard let text, !text.isEmpty else { return [] }
    var features: [SentimentFeature] = []
    for name in text.split(separator: ",") {
      guard let feature = SentimentFeature(rawValue: String(name)) else {
        throw DataFileError(
          "the model card's architecture names an unknown feature '\(name)' (known: "
            + allCases.map(\.rawValue).joined(separator: ", ") + ")")
      }
      features.append(feature)
    }
    return features
  }

  /// Each word's values of `features`, in order (lower-cased words, as the model reads them).
  static func values(_ features: [SentimentFeature], words: [String]) -> [[Float]] {
    guard !features.isEmpty else { return words.map { _ in [] } }
    let columns = features.map { feature in
      switch feature {
      case .negation: negationScope(words)
      }
    }
    return words.indices.map { index in columns.map { $0[index] ? 1 : 0 } }
  }

  /// Whether each word lies in a negation's scope (the cue itself does not).
  static func negationScope(_ words: [String]) -> [Bool] {
    var inScope = false
    return words.map { word in
      if negationCues.contains(word) {
        let was = inScope
        inScope = true
        return was
      }
      if scopeEnds.contains(word)
        || !word.unicodeScalars.contains(where: \.properties.isAlphabetic)
          && !word.unicodeScalars.contains(where: { $0.properties.numericType != nil })
      {
        inScope = false
        return false
      }
      return inScope
    }
  }
}
