namespace GpuSharing.Grains.Interfaces.Models;

public enum ApplyOutcome
{
    /// <summary>The spec is stored and placement ran.</summary>
    Applied,

    /// <summary>Nothing changed: same generation and spec (or an older generation, ignored).</summary>
    Unchanged,

    /// <summary>A value is out of range (400).</summary>
    Invalid,

    /// <summary>Well-formed but not placeable as asked: an unknown model without architecture, a context beyond the model's (422).</summary>
    Unprocessable,

    /// <summary>
    /// Another owner manages the deployment (its stored spec names one in <c>ManagedBy</c>, and this spec another or
    /// none): nothing changed, <see cref="ApplyResult.Error"/> names the owner (409).
    /// </summary>
    ManagedElsewhere,
}
