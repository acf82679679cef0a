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
