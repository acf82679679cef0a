import RecurNN

/// Mention replacement (Dai and Adel 2020): a training sentence shown with each of its names
/// replaced by another name its source marks with the same type, so the tagger learns a name
/// from its context and its letters rather than remembering which strings were names.
/// Names are drawn from the same source, whose conventions they follow (WNUT-17's people
/// are often written in lower case or as handles, CoNLL's in capitals) — but a person may
/// come from every source's people (`crossShare`), so newswire sentences also meet the
/// many nations' names of Wikipedia and the handles of comments.
struct MentionSwaps {
  /// Per source, per type: the distinct names its sentences mark, as written, in the order
  /// first met.
  let pools: [[String: [[String]]]]
  /// Every source's people, distinct, in source order (empty when `crossShare` is 0).
  let people: [[String]]
  /// The share of swapped people drawn from `people` instead of their own source's.
  let crossShare: Float

  init(sources: [NamesSource], crossShare: Float = 0) {
    self.crossShare = crossShare
    let pools = sources.map { source in
      var seen: [String: Set<[String]>] = [:]
      var pool: [String: [[String]]] = [:]
      for sentence in source.sentences {
        for span in NamesData.entities(sentence.tags) {
          let name = Array(sentence.tokens[span.start..<span.end])
          if seen[span.type, default: []].insert(name).inserted { pool[span.type, default: []].append(name) }
        }
      }
      return pool
    }
    var seen = Set<[String]>()
    people = crossShare > 0 ? pools.flatMap { $0["PER"] ?? [] }.filter { seen.insert($0).inserted } : []
    self.pools = pools
  }

  /// `sentence` with every name replaced by one drawn from `source`'s names of its type,
  /// tagged `B-TYPE I-TYPE …`; the other tokens keep their tags. `allowed` (a partially
  /// labelled sentence's tag masks, or empty) is rewritten alike: a replaced name's tokens
  /// allow only their tag.
  func swapped(
    _ sentence: TaggedSentence, allowed: [UInt64], source: Int, tagIndex: [String: Int], rng: inout SeededGenerator
  ) -> (sentence: TaggedSentence, allowed: [UInt64]) {
    var result = TaggedSentence(tokens: [], tags: [])
    var masks: [UInt64] = []
    var next = 0
    func keep(upTo end: Int) {
      result.tokens += sentence.tokens[next..<end]
      result.tags += sentence.tags[next..<end]
      if !allowed.isEmpty { masks += allowed[next..<end] }
    }
    for span in NamesData.entities(sentence.tags) {
      keep(upTo: span.start)
      guard var names = pools[source][span.type], !names.isEmpty else { continue }
      next = span.end
      // No draw without the option: the swaps of a command without it stay as they were.
      if span.type == "PER" && crossShare > 0 && rng.nextUnit() < crossShare { names = people }
      let name = names[Int(rng.next() % UInt64(names.count))]
      result.tokens += name
      result.tags += name.indices.map { ($0 == 0 ? "B-" : "I-") + span.type }
      if !allowed.isEmpty {
        masks += result.tags.suffix(name.count).map { UInt64(1) << UInt64(tagIndex[$0] ?? 0) }
      }
    }
    keep(upTo: sentence.tokens.count)
    return (result, masks)
  }
}
