using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Research.Core.Modeling.Head;

/// <summary>
/// A learnable scalar multiplier, one per pyramid level on the regression branch (cvpods
/// <c>modeling/meta_arch/fcos.py</c> Scale; DeFCN fcos.py l.654-655). State key: <c>scale</c>, shape (1).
/// </summary>
public sealed class Scale : Module<Tensor, Tensor>
{
    private readonly Parameter scale;

    /// <summary>Creates the multiplier with the given initial value (the reference uses 1.0).</summary>
    public Scale(double initValue = 1.0) : base(nameof(Scale))
    {
        scale = nn.Parameter(tensor(new[] { (float)initValue }));
        RegisterComponents();
    }

    /// <summary>The current value of the multiplier.</summary>
    public double Value => scale.item<float>();

    /// <summary>x (any shape) · scale, same shape.</summary>
    public override Tensor forward(Tensor x) => x * scale;
}
