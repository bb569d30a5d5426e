namespace Research.Core.Data;

/// <summary>Which box of a CrowdHuman gtbox becomes the annotation (config `box: full|visible|head`).</summary>
public enum CrowdHumanBox
{
    /// <summary>`fbox`, the full (amodal) body: what the official CrowdHuman models train and are evaluated on.</summary>
    Full,

    /// <summary>`vbox`, the visible part of the body.</summary>
    Visible,

    /// <summary>`hbox`, the head.</summary>
    Head,
}

/// <summary>Options of <see cref="CrowdHumanDataset.Load"/>.</summary>
public sealed record CrowdHumanLoadOptions
{
    /// <summary>The box each gtbox contributes. Default <see cref="CrowdHumanBox.Full"/> (cvpods crowdhuman.py).</summary>
    public CrowdHumanBox Box { get; init; } = CrowdHumanBox.Full;

    /// <summary>Skip bad lines and boxes with a warning, or fail (config `on_error: skip|fail`). Default fail.</summary>
    public OnDataError OnError { get; init; } = OnDataError.Fail;

    /// <summary>Receives each warning line when skipping; default writes to standard error.</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>The odgt key of <see cref="Box"/>: fbox, vbox or hbox.</summary>
    public string BoxKey => Box switch
    {
        CrowdHumanBox.Visible => "vbox",
        CrowdHumanBox.Head => "hbox",
        _ => "fbox",
    };
}
