namespace Research.Core.Data;

/// <summary>One person of a synthetic crowd scene (boxes XYXY pixels, the full one may leave the image).</summary>
/// <param name="Full">The amodal box (CrowdHuman `fbox`).</param>
/// <param name="Visible">The box of the pixels not hidden by figures in front (`vbox`), inside <paramref name="Full"/> and the image.</param>
/// <param name="Head">The head's box (`hbox`).</param>
/// <param name="VisibleFraction">Visible pixels / silhouette pixels.</param>
public sealed record CrowdPerson(BoxXyxy Full, BoxXyxy Visible, BoxXyxy Head, double VisibleFraction);

/// <summary>A rendered crowd image: interleaved RGB bytes (S·S·3), its people (nearest first) and ignore regions.</summary>
/// <param name="Size">Width and height.</param>
/// <param name="Rgb">Pixels, row-major, 3 bytes per pixel.</param>
/// <param name="People">The annotated figures, in painting order (front to back).</param>
/// <param name="IgnoreRegions">Painted distant crowds (tag "mask", `extra.ignore` 1), XYXY inside the image.</param>
public sealed record SyntheticCrowdScene(int Size, byte[] Rgb, IReadOnlyList<CrowdPerson> People, IReadOnlyList<BoxXyxy> IgnoreRegions);

/// <summary>
/// Paints one crowd scene, a pure function of (options, split, index). Figures (<see cref="SyntheticFigure"/>)
/// come in groups: rows (3–7 side by side, similar size and ground line, centres
/// <see cref="SyntheticCrowdOptions.MinSpacing"/>…<see cref="SyntheticCrowdOptions.MaxSpacing"/> widths apart) and
/// clusters (2–4 around a point, the ones behind standing a little higher). A figure's feet lower in the image
/// make it nearer; figures are placed nearest first, each on the pixels no nearer figure took, so the visible box is
/// exactly what is left of it. A figure left less than <see cref="SyntheticCrowdOptions.MinVisibleFraction"/>
/// visible (hidden, or cut by the border) is not placed at all, so no unannotated person appears. Distant crowds
/// (densely packed tiny figures in a rectangle, behind everyone) are the ignore regions: like CrowdHuman's "mask"
/// boxes they hold person-like things nobody annotated one by one.
/// </summary>
public static class SyntheticCrowdPainter
{
    /// <summary>Bumped whenever the pictures or their boxes change, so old caches are not reused.</summary>
    public const int Version = 1;

    private static readonly double[][] SkinTones =
    {
        new[] { 241.0, 194, 167 }, new[] { 224.0, 172, 105 }, new[] { 198.0, 134, 66 }, new[] { 141.0, 85, 36 }, new[] { 92.0, 51, 23 },
    };

    /// <summary>Renders image <paramref name="index"/> of a split (0 = train, 1 = val).</summary>
    public static SyntheticCrowdScene Render(SyntheticCrowdOptions options, int split, int index)
    {
        var rng = new DeterministicRandom(options.Seed, 0xC20D, split, index);
        var s = options.ImageSize;
        var rgb = new float[s * s * 3];
        SyntheticScenePainter.PaintBackground(rgb, s, rng);
        var regions = ProposeRegions(options, rng);
        var owner = new int[s * s];                       // index of the person a pixel shows, −1 background
        Array.Fill(owner, -1);
        var people = new List<CrowdPerson>();
        var pixels = new List<int>();
        foreach (var figure in ProposeFigures(options, rng))
        {
            var silhouette = Rasterise(figure, s, owner, pixels);
            if (silhouette == 0 || pixels.Count < 4 || pixels.Count < options.MinVisibleFraction * silhouette) continue;
            foreach (var p in pixels) owner[p] = people.Count;
            PaintFigure(rgb, s, figure, pixels, rng);
            people.Add(new CrowdPerson(figure.Box, VisibleBox(pixels, s, figure.Box), figure.HeadBox, pixels.Count / (double)silhouette));
        }
        foreach (var region in regions) PaintDistantCrowd(rgb, s, region, owner, options.Aspect, rng);
        var bytes = new byte[rgb.Length];
        for (var i = 0; i < rgb.Length; i++) bytes[i] = (byte)Math.Clamp(Math.Round(rgb[i]), 0, 255);
        return new SyntheticCrowdScene(s, bytes, people, regions);
    }

    /// <summary>Rows and clusters until the image's number of figures is reached, nearest (lowest feet) first.</summary>
    private static List<SyntheticFigure> ProposeFigures(SyntheticCrowdOptions o, DeterministicRandom rng)
    {
        var s = o.ImageSize;
        var target = rng.NextInt(o.MinPeople, o.MaxPeople);
        var figures = new List<SyntheticFigure>();
        while (figures.Count < target)
        {
            var height = s * Math.Exp(rng.Uniform(Math.Log(o.MinHeight), Math.Log(o.MaxHeight)));
            var width = o.Aspect * height;
            // Feet from just inside the top (the head in the image) to a little below the bottom edge.
            var feet = rng.Uniform(0.95 * height, s + 0.1 * height);
            if (rng.Chance(0.5))
            {
                var n = rng.NextInt(3, 7);
                var cx = rng.Uniform(-0.5 * width, s - 2 * width);
                for (var i = 0; i < n && figures.Count < target; i++)
                {
                    figures.Add(Figure(o, rng, cx, feet + rng.Uniform(-0.05, 0.05) * height, height));
                    cx += rng.Uniform(o.MinSpacing, o.MaxSpacing) * width;
                }
            }
            else
            {
                var n = rng.NextInt(2, 4);
                var cx = rng.Uniform(0, s);
                for (var i = 0; i < n && figures.Count < target; i++)
                {
                    var dx = i == 0 ? 0 : rng.Uniform(-1, 1) * o.MaxSpacing * width;
                    var dy = i == 0 ? 0 : rng.Uniform(-0.1, 0.05) * height;
                    figures.Add(Figure(o, rng, cx + dx, feet + dy, height * rng.Uniform(0.88, 1.12)));
                }
            }
        }
        // Stable sort: equal feet keep proposal order, so the result does not depend on the sort algorithm.
        return figures.Select((f, i) => (f, i)).OrderByDescending(t => t.f.FeetY).ThenBy(t => t.i).Select(t => t.f).ToList();
    }

    private static SyntheticFigure Figure(SyntheticCrowdOptions o, DeterministicRandom rng, double cx, double feet, double height)
    {
        var h = height * rng.Uniform(0.93, 1.07);
        return new SyntheticFigure(cx, feet, h, o.Aspect * h * rng.Uniform(0.9, 1.1), rng.Uniform(0.12, 0.3));
    }

    /// <summary>0 up to the maximum number of distant-crowd rectangles, in the upper part of the image.</summary>
    private static BoxXyxy[] ProposeRegions(SyntheticCrowdOptions o, DeterministicRandom rng)
    {
        var s = o.ImageSize;
        var regions = new BoxXyxy[rng.NextInt(0, o.MaxIgnoreRegions)];
        for (var i = 0; i < regions.Length; i++)
        {
            var w = Math.Round(rng.Uniform(0.15, 0.35) * s);
            var h = Math.Round(rng.Uniform(0.06, 0.14) * s);
            var x = Math.Round(rng.Uniform(0, s - w));
            var y = Math.Round(rng.Uniform(0, 0.75 * s - h));
            regions[i] = new BoxXyxy(x, y, x + w, y + h);
        }
        return regions;
    }

    /// <summary>
    /// The figure's silhouette pixel count over the whole box (pixels outside the image count too) and, into
    /// <paramref name="free"/>, its pixels inside the image that no nearer figure owns.
    /// </summary>
    private static int Rasterise(SyntheticFigure f, int s, int[] owner, List<int> free)
    {
        free.Clear();
        var b = f.Box;
        var total = 0;
        for (var y = (int)Math.Floor(b.Y1); y < (int)Math.Ceiling(b.Y2); y++)
            for (var x = (int)Math.Floor(b.X1); x < (int)Math.Ceiling(b.X2); x++)
            {
                if (f.PartAt(x + 0.5, y + 0.5) == 0) continue;
                total++;
                if (x >= 0 && y >= 0 && x < s && y < s && owner[y * s + x] < 0) free.Add(y * s + x);
            }
        return total;
    }

    /// <summary>The box of the pixels (extents [x, x + 1]), cut to the full box.</summary>
    private static BoxXyxy VisibleBox(List<int> pixels, int s, BoxXyxy full)
    {
        int x1 = int.MaxValue, y1 = int.MaxValue, x2 = int.MinValue, y2 = int.MinValue;
        foreach (var p in pixels)
        {
            int x = p % s, y = p / s;
            x1 = Math.Min(x1, x); y1 = Math.Min(y1, y); x2 = Math.Max(x2, x + 1); y2 = Math.Max(y2, y + 1);
        }
        return new BoxXyxy(Math.Max(x1, full.X1), Math.Max(y1, full.Y1), Math.Min(x2, full.X2), Math.Min(y2, full.Y2));
    }

    private static void PaintFigure(float[] rgb, int s, SyntheticFigure f, List<int> pixels, DeterministicRandom rng)
    {
        // Clothes far enough from the background under the figure to be seen (else the complement).
        var mean = new double[3];
        foreach (var p in pixels) for (var c = 0; c < 3; c++) mean[c] += rgb[p * 3 + c];
        for (var c = 0; c < 3; c++) mean[c] /= pixels.Count;
        var shirt = Contrasting(SyntheticScenePainter.RandomColour(rng), mean);
        var trousers = Contrasting(SyntheticScenePainter.RandomColour(rng).Select(v => v * 0.6).ToArray(), mean);
        var skin = SkinTones[rng.NextInt(SkinTones.Length)];
        var hair = rng.Chance(0.3) ? new[] { 200.0, 170, 90 } : new[] { 40.0, 28, 20 };
        var stripes = rng.Chance(0.3);
        var period = rng.Uniform(2, 5) * f.Height / 60;
        var noise = rng.Uniform(2, 7);
        var headTop = f.FeetY - f.Height;
        foreach (var p in pixels)
        {
            int x = p % s, y = p / s;
            double px = x + 0.5, py = y + 0.5;
            var part = f.PartAt(px, py);
            var edge = f.PartAt(px - 1, py) == 0 || f.PartAt(px + 1, py) == 0 || f.PartAt(px, py - 1) == 0 || f.PartAt(px, py + 1) == 0;
            double[] fill = part switch
            {
                1 => py - headTop < 0.055 * f.Height ? hair : skin,
                2 => stripes && ((int)Math.Floor((py - headTop) / Math.Max(1, period)) & 1) == 1 ? shirt.Select(v => v * 0.6 + 20).ToArray() : shirt,
                _ => trousers,
            };
            if (edge) fill = fill.Select(v => v * 0.35).ToArray();
            for (var c = 0; c < 3; c++) rgb[p * 3 + c] = (float)(fill[c] + rng.NextApproxGaussian() * noise);
        }
    }

    /// <summary>Densely packed tiny figures inside <paramref name="region"/>, far rows first, behind every person.</summary>
    private static void PaintDistantCrowd(float[] rgb, int s, BoxXyxy region, int[] owner, double aspect, DeterministicRandom rng)
    {
        var tiny = rng.Uniform(7, 12) * s / 192.0;
        var pixels = new List<int>();
        for (var feet = region.Y1 + 0.5 * tiny; feet < region.Y2 + 0.5 * tiny; feet += 0.35 * tiny)
            for (var cx = region.X1 + rng.Uniform(0, 0.5) * aspect * tiny; cx < region.X2; cx += rng.Uniform(0.4, 0.8) * aspect * tiny)
            {
                var f = new SyntheticFigure(cx, feet, tiny * rng.Uniform(0.85, 1.15), aspect * tiny, rng.Uniform(0.12, 0.3));
                var b = f.Box;
                pixels.Clear();
                for (var y = Math.Max((int)region.Y1, (int)Math.Floor(b.Y1)); y < Math.Min((int)region.Y2, (int)Math.Ceiling(b.Y2)); y++)
                    for (var x = Math.Max((int)region.X1, (int)Math.Floor(b.X1)); x < Math.Min((int)region.X2, (int)Math.Ceiling(b.X2)); x++)
                        if (owner[y * s + x] < 0 && f.PartAt(x + 0.5, y + 0.5) != 0) pixels.Add(y * s + x);
                if (pixels.Count > 0) PaintFigure(rgb, s, f, pixels, rng);
            }
    }

    private static double[] Contrasting(double[] colour, double[] mean)
    {
        var dist = Math.Sqrt(Enumerable.Range(0, 3).Sum(c => (colour[c] - mean[c]) * (colour[c] - mean[c])));
        return dist < 80 ? colour.Select(v => 255 - v).ToArray() : colour;
    }
}
