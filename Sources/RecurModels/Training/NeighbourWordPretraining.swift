import RecurNN

/// Neighbour-word pretraining as both trainers run it (`NeighbourWordPrediction`): the
/// objective is made from `counts` (each target word's count), then `passes` passes over
/// rows of the given `lengths` in length-bucketed batches, Adam at `learningRate(pass)`,
/// gradients of `parameters` and the objective's clipped to `maxGradientNorm`. `loss`
/// scores a batch (row indices); `progress` hears (pass, batch, batches, mean loss,
/// tokens a second) every `reportEvery` batches and at each pass's last.
func pretrainNeighbourWords(
  _ parameters: [Parameter], hidden: Int, counts: [Int], lengths: [Int], passes: Int, batchSize: Int,
  maxGradientNorm: Float, learningRate: (Int) -> Float, reportEvery: Int, rng: inout SeededGenerator,
  loss: (_ rows: [Int], _ objective: NeighbourWordPrediction, _ rng: inout SeededGenerator) -> Variable,
  progress: (_ pass: Int, _ batch: Int, _ batches: Int, _ loss: Double, _ tokensPerSecond: Double) -> Void
) {
  let objective = NeighbourWordPrediction(counts: counts, hidden: hidden, rng: &rng)
  let parameters = parameters + objective.parameters()
  let optimizer = Adam(learningRate: learningRate(0))
  for pass in 0..<passes {
    optimizer.learningRate = learningRate(pass)
    let batches = lengthBucketedBatches(lengths: lengths, batchSize: batchSize, rng: &rng)
    var window = ProgressWindow(every: reportEvery)
    for (number, batch) in batches.enumerated() {
      let value = loss(batch, objective, &rng)
      value.backward()
      clipGradientNorm(parameters, maxNorm: maxGradientNorm)
      optimizer.update(parameters)
      if let report = window.add(
        loss: Double(value.value.data[0]), tokens: batch.reduce(0) { $0 + lengths[$1] },
        last: number == batches.count - 1)
      {
        progress(pass + 1, number + 1, batches.count, report.loss, report.tokensPerSecond)
      }
    }
  }
}
