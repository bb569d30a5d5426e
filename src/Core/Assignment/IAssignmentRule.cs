using Research.Core.Data;
using Research.Core.Dense;

namespace Research.Core.Assignment;

/// <summary>
/// A label-assignment rule of a dense detector (POTO, the auxiliary one-to-many rule, and the baselines'
/// rules): from the shifts, the ground truth and the detached predictions of a batch to per-shift targets.
/// Rules run without gradient and never change their inputs. Adding a rule is one class implementing this.
/// </summary>
public interface IAssignmentRule
{
    /// <summary>Short name for logs and pictures, e.g. <c>poto</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Targets of a batch: predictions flattened over levels (logits (N, R, K), deltas (N, R, 4), filter
    /// (N, R, 1) or null, shifts (R, 2)) and one target per image (boxes (M, 4) XYXY input pixels, classes (M)).
    /// </summary>
    ShiftTargets Assign(DensePredictions predictions, IReadOnlyList<DetectionTarget> targets);
}
