namespace GpuSharing.TestSupport.Otlp;

/// <summary>OTLP's <c>Status.StatusCode</c>, numbered as in the protocol.</summary>
public enum SpanStatus
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}
