/// Several N → N taggers trained apart (other seeds) read as one: every member scores every
/// tag at every token, the scores are averaged, and one CRF whose transition, start and end
/// scores are the members' averages decodes them. A path's score is then the mean of its
/// scores under each member, so the best path is the one the members agree on most, and
/// each tag's confidence is its marginal probability under that mean.
public struct TaggerEnsemble {
  public let members: [ManyToMany]
  let crf: CRF

  /// Nil unless there are members and every one has a CRF over the same tags.
  public init?(members: [ManyToMany]) {
    guard let first = members.first?.crf,
      members.allSatisfy({ $0.crf?.tagCount == first.tagCount })
    else { return nil }
    self.members = members
    let crfs = members.compactMap(\.crf)
    crf = CRF(tags: first.tagCount, constraints: first.constraints)
    for (mean, part) in [(crf.transitions, \CRF.transitions), (crf.start, \CRF.start), (crf.end, \CRF.end)] {
      var sum = [Float](repeating: 0, count: mean.value.count)
      for member in crfs {
        for (index, value) in member[keyPath: part].value.data.enumerated() { sum[index] += value }
      }
      mean.value.data = sum.map { $0 / Float(crfs.count) }
    }
  }

  /// The best tags of each sequence and each tag's probability, as `ManyToMany.decode`.
  public func decode(_ input: ManyToMany.Input) -> [(tags: [Int], confidence: [Float])] {
    withoutGradients {
      var unused = SeededGenerator(seed: 0)
      let (first, batch) = members[0].emissions(input, rng: &unused)
      var sum = first.value
      for member in members.dropFirst() {
        let scores = member.emissions(input, rng: &unused).scores.value
        sum.data.withUnsafeMutableBufferPointer { total in
          scores.data.withUnsafeBufferPointer { part in
            for index in total.indices { total[index] += part[index] }
          }
        }
      }
      let scale = 1 / Float(members.count)
      sum.data.withUnsafeMutableBufferPointer { total in
        for index in total.indices { total[index] *= scale }
      }
      return crf.decode(sum, batch: batch)
    }
  }
}
