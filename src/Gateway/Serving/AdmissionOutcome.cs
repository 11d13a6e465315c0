namespace GpuSharing.Gateway.Serving;

/// <summary>What admission decided for a request.</summary>
public enum AdmissionOutcome
{
    /// <summary>It holds a slot: proxy it, then dispose the slot.</summary>
    Admitted,

    /// <summary>Shed for a request of a higher class, or no place in its class's queue: 429 with Retry-After.</summary>
    Shed,

    /// <summary>Its deadline passed while it waited: 429, it would not have been served in time.</summary>
    DeadlineExceeded,

    /// <summary>The caller went away while it waited.</summary>
    Cancelled,
}
