using TorchSharp;
using static TorchSharp.torch;

namespace Research.Core.Modeling.Backbone;

/// <summary>
/// The Caffe2-style weight fills of cvpods (modeling/nn_utils/weight_init.py l.68-93). Both set the bias to 0.
/// </summary>
public static class WeightInit
{
    /// <summary>
    /// "MSRAFill": kaiming_normal_(mode fan_out, relu) — N(0, 2 / (C_out·k·k)) — used for every ResNet conv.
    /// </summary>
    public static void C2MsraFill(Conv2dWithNorm conv)
    {
        using var guard = no_grad();
        nn.init.kaiming_normal_(conv.Weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        if (conv.Bias is not null) nn.init.zeros_(conv.Bias);
    }

    /// <summary>
    /// "XavierFill" as Caffe2 implements it: kaiming_uniform_(a = 1) — U(±√(3 / (C_in·k·k))) — used for the
    /// FPN lateral/output convs and the P6/P7 convs.
    /// </summary>
    public static void C2XavierFill(Conv2dWithNorm conv)
    {
        using var guard = no_grad();
        nn.init.kaiming_uniform_(conv.Weight, a: 1);
        if (conv.Bias is not null) nn.init.zeros_(conv.Bias);
    }
}
