namespace Research.Core.Prediction;

/// <summary>One image to run a detector on, as the command line named it.</summary>
/// <param name="Id">Stable id: the 1-based position in the input list (an unreadable image keeps its number, so the
/// others' ids do not depend on it). The <c>image_id</c> of the COCO results file.</param>
/// <param name="Path">The image file (PNG or JPEG); it may turn out missing or unreadable, which only that image's
/// prediction reports.</param>
/// <param name="Name">Unique name without extension: the file name's stem (a relative path with <c>/</c> for images of
/// a recursively listed folder), with <c>_ID</c> appended where two inputs share a stem. The picture is
/// <c>NAME.png</c> and, for crowd data, the CrowdHuman <c>ID</c>.</param>
/// <param name="FileName">The file name as listed: the name inside its folder (a relative path when listed
/// recursively), or the path as given for an explicitly named file.</param>
public sealed record PredictionInput(long Id, string Path, string Name, string FileName);
