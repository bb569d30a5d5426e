namespace Research.Core.Data;

/// <summary>One ground-truth object of a synthetic scene.</summary>
/// <param name="Class">Contiguous class (shape index).</param>
/// <param name="Box">Amodal box, XYXY pixels.</param>
/// <param name="Area">Pixels of the full (unoccluded) shape: the COCO `area` field.</param>
public sealed record SyntheticObject(int Class, BoxXyxy Box, int Area);

/// <summary>A rendered synthetic image: interleaved RGB bytes (S·S·3) and its objects in painting order.</summary>
/// <param name="Size">Width and height.</param>
/// <param name="Rgb">Pixels, row-major, 3 bytes per pixel.</param>
/// <param name="Objects">Objects, later ones painted over earlier ones.</param>
public sealed record SyntheticScene(int Size, byte[] Rgb, IReadOnlyList<SyntheticObject> Objects);

/// <summary>
/// Paints one crowded-shapes scene, a pure function of (options, split, index): textured background
/// (two-colour gradient, blocky low-frequency colour noise, optional stripes, Gaussian noise), then shapes
/// of varied size, aspect, colour and texture with a 1-px outline; about <see cref="SyntheticSceneOptions.CrowdFraction"/>
/// of them are same-class neighbours of an earlier shape (centre offset 0.25–0.7 of its size, size ×0.8–1.25),
/// which makes heavily overlapping same-class boxes; a shape that would leave any earlier one less than
/// <see cref="SyntheticSceneOptions.MinVisibleFraction"/> visible is not placed.
/// </summary>
public static class SyntheticScenePainter
{
    /// <summary>Bumped whenever the pictures change, so old caches are not reused.</summary>
    public const int Version = 1;

    /// <summary>Renders image <paramref name="index"/> of a split (0 = train, 1 = val).</summary>
    public static SyntheticScene Render(SyntheticSceneOptions options, int split, int index)
    {
        var rng = new DeterministicRandom(options.Seed, 0x5CE7E, split, index);
        var s = options.ImageSize;
        var rgb = new float[s * s * 3];
        PaintBackground(rgb, s, rng);
        var owner = new int[s * s];
        Array.Fill(owner, -1);
        var shapes = new List<SyntheticShape>();
        var areas = new List<int>();
        var visible = new List<int>();
        var target = rng.NextInt(options.MinObjects, options.MaxObjects);
        var mask = new List<int>();
        for (var attempt = 0; attempt < target * 20 && shapes.Count < target; attempt++)
        {
            var shape = Propose(options, shapes, rng);
            if (!Rasterise(shape, s, mask)) continue;
            if (!KeepsOthersVisible(mask, owner, areas, visible, options.MinVisibleFraction)) continue;
            var id = shapes.Count;
            foreach (var p in mask)
            {
                if (owner[p] >= 0) visible[owner[p]]--;
                owner[p] = id;
            }
            shapes.Add(shape);
            areas.Add(mask.Count);
            visible.Add(mask.Count);
            PaintShape(rgb, s, shape, mask, rng);
        }
        var bytes = new byte[rgb.Length];
        for (var i = 0; i < rgb.Length; i++) bytes[i] = (byte)Math.Clamp(Math.Round(rgb[i]), 0, 255);
        var objects = shapes.Select((sh, i) => new SyntheticObject(sh.Class, sh.Box, areas[i])).ToArray();
        return new SyntheticScene(s, bytes, objects);
    }

    private static SyntheticShape Propose(SyntheticSceneOptions o, List<SyntheticShape> placed, DeterministicRandom rng)
    {
        var s = o.ImageSize;
        int cls;
        double size, aspect, cx, cy;
        if (placed.Count > 0 && rng.Chance(o.CrowdFraction))
        {
            // A same-class neighbour of an earlier shape: the crowded case where NMS hurts.
            var near = placed[rng.NextInt(placed.Count)];
            cls = near.Class;
            var nearSize = Math.Sqrt(near.W * near.H);
            size = Math.Clamp(nearSize * rng.Uniform(0.8, 1.25), o.MinObjectSize * s, o.MaxObjectSize * s);
            aspect = near.W / near.H * rng.Uniform(0.85, 1.15);
            var angle = rng.Uniform(0, 2 * Math.PI);
            var offset = rng.Uniform(0.25, 0.7) * nearSize;
            cx = near.Cx + offset * Math.Cos(angle);
            cy = near.Cy + offset * Math.Sin(angle);
        }
        else
        {
            cls = rng.NextInt(o.NumClasses);
            size = s * Math.Exp(rng.Uniform(Math.Log(o.MinObjectSize), Math.Log(o.MaxObjectSize)));
            aspect = Math.Exp(rng.Uniform(Math.Log(0.6), Math.Log(1.6)));
            cx = rng.Uniform(0, s);
            cy = rng.Uniform(0, s);
        }
        var w = size * Math.Sqrt(aspect);
        var h = size / Math.Sqrt(aspect);
        return new SyntheticShape(cls, cx, cy, w, h, rng.NextInt(4), rng.Uniform(0.45, 0.7));
    }

    /// <summary>Pixel indices of the shape into <paramref name="mask"/>; false if it leaves the image or is tiny.</summary>
    private static bool Rasterise(SyntheticShape shape, int s, List<int> mask)
    {
        mask.Clear();
        var b = shape.Box;
        if (b.X1 < 0 || b.Y1 < 0 || b.X2 > s || b.Y2 > s || b.Width < 4 || b.Height < 4) return false;
        for (var y = (int)b.Y1; y < Math.Min(s, (int)Math.Ceiling(b.Y2)); y++)
            for (var x = (int)b.X1; x < Math.Min(s, (int)Math.Ceiling(b.X2)); x++)
                if (shape.Contains(x + 0.5, y + 0.5)) mask.Add(y * s + x);
        return mask.Count >= 12;
    }

    private static bool KeepsOthersVisible(List<int> mask, int[] owner, List<int> areas, List<int> visible, double minVisible)
    {
        if (areas.Count == 0) return true;
        var covered = new int[areas.Count];
        foreach (var p in mask) if (owner[p] >= 0) covered[owner[p]]++;
        for (var j = 0; j < areas.Count; j++)
            if (covered[j] > 0 && visible[j] - covered[j] < minVisible * areas[j]) return false;
        return true;
    }

    /// <summary>
    /// Paints the textured background into interleaved RGB floats (S·S·3): two-colour gradient, blocky
    /// low-frequency colour noise, optional stripes, Gaussian noise (shared with the synthetic crowd).
    /// </summary>
    internal static void PaintBackground(float[] rgb, int s, DeterministicRandom rng)
    {
        var c1 = RandomColour(rng);
        var c2 = RandomColour(rng);
        var angle = rng.Uniform(0, 2 * Math.PI);
        var (dx, dy) = (Math.Cos(angle), Math.Sin(angle));
        var block = rng.NextInt(Math.Max(2, s / 16), Math.Max(3, s / 6));
        var blocks = (s + block - 1) / block;
        var blockNoise = new double[blocks * blocks * 3];
        for (var i = 0; i < blockNoise.Length; i++) blockNoise[i] = rng.NextGaussian() * 22;
        var stripes = rng.Chance(0.4);
        var stripeAmp = rng.Uniform(12, 35);
        var stripePeriod = rng.Uniform(5, 20);
        var stripeAngle = rng.Uniform(0, Math.PI);
        var (sx, sy) = (Math.Cos(stripeAngle), Math.Sin(stripeAngle));
        var sigma = rng.Uniform(3, 9);
        for (var y = 0; y < s; y++)
            for (var x = 0; x < s; x++)
            {
                var t = Math.Clamp(0.5 + ((x - s / 2.0) * dx + (y - s / 2.0) * dy) / s, 0, 1);
                var stripe = stripes ? stripeAmp * Math.Sin(2 * Math.PI * (x * sx + y * sy) / stripePeriod) : 0;
                var bi = ((y / block) * blocks + x / block) * 3;
                for (var c = 0; c < 3; c++)
                    rgb[(y * s + x) * 3 + c] = (float)(c1[c] + (c2[c] - c1[c]) * t + blockNoise[bi + c] + stripe + rng.NextApproxGaussian() * sigma);
            }
    }

    private static void PaintShape(float[] rgb, int s, SyntheticShape shape, List<int> mask, DeterministicRandom rng)
    {
        // Mean colour under the shape: a colour too close to it is replaced by its complement.
        var mean = new double[3];
        foreach (var p in mask) for (var c = 0; c < 3; c++) mean[c] += rgb[p * 3 + c];
        for (var c = 0; c < 3; c++) mean[c] /= mask.Count;
        var colour = RandomColour(rng);
        var dist = Math.Sqrt(Enumerable.Range(0, 3).Sum(c => (colour[c] - mean[c]) * (colour[c] - mean[c])));
        if (dist < 80) for (var c = 0; c < 3; c++) colour[c] = 255 - colour[c];
        var second = colour.Select(v => v * 0.6 + 20).ToArray();
        var outline = colour.Select(v => v > 127 ? v * 0.35 : v * 0.4 + 150).ToArray();
        var texture = rng.NextInt(4);            // 0, 1 solid; 2 stripes; 3 checker
        var period = rng.Uniform(3, 8);
        var tAngle = rng.Uniform(0, Math.PI);
        var (tx, ty) = (Math.Cos(tAngle), Math.Sin(tAngle));
        var cell = rng.NextInt(2, 6);
        var noise = rng.Uniform(2, 8);
        foreach (var p in mask)
        {
            int x = p % s, y = p / s;
            double[] fill;
            var edge = !shape.Contains(x - 0.5, y + 0.5) || !shape.Contains(x + 1.5, y + 0.5)
                    || !shape.Contains(x + 0.5, y - 0.5) || !shape.Contains(x + 0.5, y + 1.5);
            if (edge) fill = outline;
            else fill = texture switch
            {
                2 => ((int)Math.Floor((x * tx + y * ty) / period) & 1) == 0 ? colour : second,
                3 => (((x / cell) + (y / cell)) & 1) == 0 ? colour : second,
                _ => colour,
            };
            for (var c = 0; c < 3; c++) rgb[p * 3 + c] = (float)(fill[c] + rng.NextApproxGaussian() * noise);
        }
    }

    /// <summary>A uniformly random RGB colour, 0–256 per channel.</summary>
    internal static double[] RandomColour(DeterministicRandom rng) =>
        new[] { rng.Uniform(0, 256), rng.Uniform(0, 256), rng.Uniform(0, 256) };
}
