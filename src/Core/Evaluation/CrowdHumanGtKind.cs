namespace Research.Core.Evaluation;

/// <summary>
/// The role of a ground-truth box in CrowdHuman matching, as the official tool derives it from the tag
/// (<c>PERSON_CLASSES.index(tag)</c>, −1 for any other tag) and <c>extra.ignore</c> (≠ 0 → −1).
/// </summary>
public enum CrowdHumanGtKind
{
    /// <summary>
    /// Tag "background" without extra.ignore (official class 0): counted in P like a person, yet matched like an
    /// ignore region (so it can never be found). An official quirk; released files have only "person" and "mask".
    /// </summary>
    Background = 0,

    /// <summary>Tag "person" with extra.ignore absent or 0: a positive that one detection can match.</summary>
    Person = 1,

    /// <summary>
    /// Any other tag ("mask": crowds, reflections, person-like regions) or extra.ignore ≠ 0: not a positive; a
    /// detection without a free person match and with intersection over its own area &gt; 0.5 is dropped.
    /// </summary>
    Ignore = -1,
}
