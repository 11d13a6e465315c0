namespace GpuSharing.Grains.Interfaces.Models;

public enum DeleteOutcome
{
    /// <summary>Its reservations are released and the deployment is forgotten.</summary>
    Deleted,

    /// <summary>There was no such deployment (404; a second DELETE ends here).</summary>
    NotFound,

    /// <summary>Another owner manages it (a KServe InferenceService): nothing changed (409).</summary>
    ManagedElsewhere,
}
