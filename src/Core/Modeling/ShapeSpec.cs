namespace Research.Core.Modeling;

/// <summary>
/// What one feature map looks like to the next stage: its channel count and its stride in input pixels
/// (detectron2/cvpods ShapeSpec). Passed from backbone to FPN to head.
/// </summary>
public readonly record struct ShapeSpec(int Channels, int Stride);
