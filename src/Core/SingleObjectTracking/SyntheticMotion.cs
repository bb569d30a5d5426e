using Research.Core.Data;
using Research.Core.Data.Crops;

namespace Research.Core.SingleObjectTracking;

/// <summary>The shape classes of synthetic objects; a target and its distractors share one.</summary>
public enum SyntheticSequenceShape
{
    /// <summary>Filled ellipse inscribed in the box.</summary>
    Ellipse,
    /// <summary>Rounded rectangle filling the box.</summary>
    Rectangle,
    /// <summary>Triangle: apex at the top centre, base on the bottom edge.</summary>
    Triangle,
    /// <summary>Diamond with its vertices at the middles of the box's edges.</summary>
    Diamond,
}

/// <summary>One object of a synthetic sequence: its look and its box in every frame.</summary>
/// <param name="Shape">Shape class.</param>
/// <param name="Color">Fill colour (RGB).</param>
/// <param name="Accent">Colour of the band across its middle (RGB), so the object has inner structure.</param>
/// <param name="Boxes">Box per frame (XYXY; may leave the frame for distractors).</param>
/// <param name="InFront">Drawn after the target (occluding it) rather than behind.</param>
public sealed record SyntheticSequenceObject(SyntheticSequenceShape Shape, (byte R, byte G, byte B) Color, (byte R, byte G, byte B) Accent,
    IReadOnlyList<BoxXyxy> Boxes, bool InFront);

/// <summary>
/// The trajectories of a synthetic sequence (no pixels): the target's smooth random motion with scale
/// change, distractors crossing it, occluding bars on its path. Randomness is drawn in a fixed order.
/// </summary>
internal static class SyntheticMotion
{
    public static (SyntheticSequenceObject Target, IReadOnlyList<SyntheticSequenceObject> Distractors, IReadOnlyList<BoxXyxy> Occluders)
        Plan(SyntheticSequenceSpec spec, Random rng)
    {
        var n = spec.Frames;
        var shape = (SyntheticSequenceShape)rng.Next(4);
        var color = RandomColor(rng);
        var accent = RandomColor(rng);
        var side = spec.MinTargetSize + rng.NextDouble() * (spec.MaxTargetSize - spec.MinTargetSize);
        var aspect = Math.Exp((rng.NextDouble() * 2 - 1) * Math.Log(1.6));
        double w0 = side * Math.Sqrt(aspect), h0 = side / Math.Sqrt(aspect);
        var period = n * (0.8 + 0.7 * rng.NextDouble());
        var phase = rng.NextDouble() * 2 * Math.PI;

        // Damped random walk of the velocity; the box bounces off the frame edges so it stays inside.
        double x = spec.Width * (0.3 + 0.4 * rng.NextDouble()), y = spec.Height * (0.3 + 0.4 * rng.NextDouble());
        var angle = rng.NextDouble() * 2 * Math.PI;
        double vx = Math.Cos(angle) * spec.MaxSpeed * 0.6, vy = Math.Sin(angle) * spec.MaxSpeed * 0.6;
        var target = new BoxXyxy[n];
        for (var t = 0; t < n; t++)
        {
            var s = Math.Exp(spec.ScaleAmplitude * (Math.Sin(2 * Math.PI * t / period + phase) - Math.Sin(phase)));
            double w = w0 * s, h = h0 * s;
            if (t > 0)
            {
                vx = 0.9 * vx + (rng.NextDouble() * 2 - 1) * 0.4 * spec.MaxSpeed;
                vy = 0.9 * vy + (rng.NextDouble() * 2 - 1) * 0.4 * spec.MaxSpeed;
                var speed = Math.Sqrt(vx * vx + vy * vy);
                if (speed > spec.MaxSpeed) { vx *= spec.MaxSpeed / speed; vy *= spec.MaxSpeed / speed; }
                x += vx;
                y += vy;
            }
            (x, vx) = Bounce(x, vx, w / 2, spec.Width - w / 2);
            (y, vy) = Bounce(y, vy, h / 2, spec.Height - h / 2);
            target[t] = BoxXyxy.FromCenter(x, y, w, h);
        }

        var distractors = new List<SyntheticSequenceObject>();
        for (var d = 0; d < spec.Distractors; d++)
        {
            var tc = (int)(n * (0.15 + 0.7 * rng.NextDouble()));
            var a = rng.NextDouble() * 2 * Math.PI;
            var speed = spec.MaxSpeed * (0.75 + 0.75 * rng.NextDouble()) + 0.5;
            var k = 0.8 + 0.4 * rng.NextDouble();
            var c = target[Math.Min(tc, n - 1)];
            var boxes = new BoxXyxy[n];
            for (var t = 0; t < n; t++)
                boxes[t] = BoxXyxy.FromCenter(c.CenterX + Math.Cos(a) * speed * (t - tc), c.CenterY + Math.Sin(a) * speed * (t - tc), w0 * k, h0 * k);
            distractors.Add(new SyntheticSequenceObject(shape, Jitter(color, rng), Jitter(accent, rng), boxes, rng.NextDouble() < 0.5));
        }

        var occluders = new List<BoxXyxy>();
        for (var o = 0; o < spec.Occluders; o++)
        {
            var at = target[Math.Min((int)(n * (0.2 + 0.6 * rng.NextDouble())), n - 1)];
            var barW = 0.4 * at.Width;
            occluders.Add(new BoxXyxy(at.CenterX - barW / 2, 0, at.CenterX + barW / 2, spec.Height));
        }
        return (new SyntheticSequenceObject(shape, color, accent, target, false), distractors, occluders);
    }

    private static (double, double) Bounce(double p, double v, double lo, double hi)
    {
        if (p < lo) return (lo, Math.Abs(v));
        if (p > hi) return (hi, -Math.Abs(v));
        return (p, v);
    }

    private static (byte, byte, byte) RandomColor(Random rng) => ((byte)rng.Next(30, 226), (byte)rng.Next(30, 226), (byte)rng.Next(30, 226));

    private static (byte, byte, byte) Jitter((byte R, byte G, byte B) c, Random rng)
    {
        byte J(byte v) => (byte)Math.Clamp(v + rng.Next(-20, 21), 0, 255);
        return (J(c.R), J(c.G), J(c.B));
    }
}
