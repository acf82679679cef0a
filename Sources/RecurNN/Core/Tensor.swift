/// A dense Float32 array with a shape, row-major. Most of the engine works on
/// matrices `[rows, columns]`; a sequence is a time-major matrix `[time × batch, features]`.
public struct Tensor: Sendable, Equatable {
  public var shape: [Int]
  public var data: [Float]

  public init(shape: [Int], data: [Float]) {
    precondition(shape.reduce(1, *) == data.count, "tensor shape \(shape) does not hold \(data.count) values")
    self.shape = shape
    self.data = data
  }

  public init(zeros shape: [Int]) {
    self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
  }

  public var count: Int { data.count }
  /// Rows when read as a matrix: the first dimension (1 for a vector).
  public var rows: Int { shape.count >= 2 ? shape[0] : 1 }
  /// Columns when read as a matrix: all later dimensions together (the length of a vector).
  public var columns: Int { shape.count >= 2 ? (shape[0] == 0 ? 0 : count / shape[0]) : (shape.first ?? 1) }

  public subscript(row: Int, column: Int) -> Float {
    get { data[row * columns + column] }
    set { data[row * columns + column] = newValue }
  }
}
