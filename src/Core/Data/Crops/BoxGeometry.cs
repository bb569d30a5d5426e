namespace Research.Core.Data.Crops;

/// <summary>
/// Geometry of <see cref="BoxXyxy"/> that crops and tracking need (centres, areas, clipping to a size given
/// as width, height), as C# 14 extension members so the shared box type stays one type.
/// </summary>
public static class BoxGeometry
{
    extension(BoxXyxy box)
    {
        /// <summary>Centre x.</summary>
        public double CenterX => 0.5 * (box.X1 + box.X2);

        /// <summary>Centre y.</summary>
        public double CenterY => 0.5 * (box.Y1 + box.Y2);

        /// <summary>Area, 0 for empty or inverted boxes.</summary>
        public double Area => Math.Max(0, box.Width) * Math.Max(0, box.Height);

        /// <summary>The box clipped to [0, width] × [0, height] (real-valued sizes, e.g. a crop side).</summary>
        public BoxXyxy ClipTo(double width, double height) =>
            new(Math.Clamp(box.X1, 0, width), Math.Clamp(box.Y1, 0, height), Math.Clamp(box.X2, 0, width), Math.Clamp(box.Y2, 0, height));
    }

    extension(BoxXyxy)
    {
        /// <summary>A box from its centre and size.</summary>
        public static BoxXyxy FromCenter(double cx, double cy, double width, double height) =>
            new(cx - 0.5 * width, cy - 0.5 * height, cx + 0.5 * width, cy + 0.5 * height);
    }
}
