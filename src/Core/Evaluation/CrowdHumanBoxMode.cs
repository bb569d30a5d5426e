namespace Research.Core.Evaluation;

/// <summary>
/// Which ground-truth box of a CrowdHuman gtbox the detections are scored against. The official evaluator
/// (cvpods crowdhumantools.py) has three modes: 0 = full body (<c>fbox</c>, the one DeFCN and cvpods report),
/// 1 = head (<c>hbox</c>, where <c>head_attr.ignore</c> also ignores) and 2 = body and head together (a detection
/// carries both boxes and must overlap both). Modes 1 and 2 need head detections and are not ported.
/// </summary>
public enum CrowdHumanBoxMode
{
    /// <summary>The full-body box <c>fbox</c> (official mode 0); may extend beyond the image.</summary>
    FullBody,

    /// <summary>
    /// The visible-body box <c>vbox</c>, with every other rule of mode 0 unchanged. Not in the official tool (it
    /// always reads fbox); it equals the official result on the same file with each fbox replaced by its vbox.
    /// </summary>
    Visible,
}
