/// The push of adversarial training (Miyato, Dai and Goodfellow 2017), where a batch is read
/// a second time with its input vectors pushed a little the way that raises the loss most
/// and the loss of that reading is learned too (the structures' `backwardWithAdversary`):
/// `epsilon` times the loss's `gradient` for the inputs (time-major rows of `width`) scaled
/// to unit L2 norm over each sequence's real steps; zeros where a sequence's gradient is
/// zero, and on padding.
func adversarialPush(_ gradient: [Float], width: Int, batch: SequenceBatch, epsilon: Float) -> [Float] {
  var push = [Float](repeating: 0, count: batch.rows * width)
  guard gradient.count == push.count else { return push }
  for (sequence, length) in batch.lengths.enumerated() {
    var squares: Double = 0
    for step in 0..<length {
      let row = (step * batch.size + sequence) * width
      for index in row..<(row + width) { squares += Double(gradient[index]) * Double(gradient[index]) }
    }
    guard squares > 0 else { continue }
    let scale = epsilon / Float(squares.squareRoot())
    for step in 0..<length {
      let row = (step * batch.size + sequence) * width
      for index in row..<(row + width) { push[index] = gradient[index] * scale }
    }
  }
  return push
}

/// Both readings of adversarial training for `inputs` (time-major rows of `batch`):
/// `loss(inputs)` back-propagated, then `loss(inputs + push)` back-propagated with the
/// push of `epsilon` along the first loss's gradient for the inputs. Returns both losses.
func backwardWithAdversary(
  inputs: Variable, batch: SequenceBatch, epsilon: Float, rng: inout SeededGenerator,
  loss: (Variable, inout SeededGenerator) -> Variable
) -> (clean: Float, adversarial: Float) {
  // A zero leaf added to the inputs keeps their gradient (a leaf's is not cleared).
  let probe = Variable(Tensor(zeros: inputs.shape), requiresGradient: true)
  let clean = loss(add(inputs, probe), &rng)
  clean.backward()
  let push = adversarialPush(probe.gradient ?? [], width: inputs.columns, batch: batch, epsilon: epsilon)
  let adversarial = loss(add(inputs, Variable(Tensor(shape: inputs.shape, data: push))), &rng)
  adversarial.backward()
  return (clean.value.data[0], adversarial.value.data[0])
}

/// The push of virtual adversarial training (Miyato, Maeda, Koyama and Ishii 2018; for text,
/// Miyato, Dai and Goodfellow 2017): the direction in which a small change of the inputs
/// moves the network's output distribution away from `target` (its reading of the clean
/// inputs) most, found by one power iteration — a random direction of length `xi` a
/// sequence, the gradient for it of the cross-entropy between `target` and the logits
/// `reading` returns for the nudged inputs — and scaled to `epsilon` a sequence like
/// `adversarialPush`. Needs no label. The parameters' gradients are as they were before the
/// call (the iteration's own gradients are dropped).
func virtualAdversarialPush(
  inputs: Variable, batch: SequenceBatch, target: [Float], epsilon: Float, xi: Float, parameters: [Parameter],
  rng: inout SeededGenerator, reading: (Variable, inout SeededGenerator) -> Variable
) -> [Float] {
  let random = (0..<inputs.value.count).map { _ in rng.normal() }
  let nudge = Variable(
    Tensor(shape: inputs.shape, data: adversarialPush(random, width: inputs.columns, batch: batch, epsilon: xi)),
    requiresGradient: true)
  let kept = parameters.map { parameter -> [Float]? in
    let gradient = parameter.variable.gradient
    parameter.variable.gradient = nil
    return gradient
  }
  softTargetCrossEntropy(reading(add(inputs, nudge), &rng), targets: target).backward()
  for (parameter, gradient) in zip(parameters, kept) {
    parameter.variable.zeroGradient()
    parameter.variable.gradient = gradient
  }
  return adversarialPush(nudge.gradient ?? [], width: inputs.columns, batch: batch, epsilon: epsilon)
}
