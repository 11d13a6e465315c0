namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>A typed device failure: what went wrong, the amd-smi status code when the tool gave one, and its message.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.DeviceError")]
public sealed record DeviceError(DeviceErrorKind Kind, int? StatusCode, string Message)
{
    public override string ToString() => StatusCode is { } code ? $"{Kind} ({code}): {Message}" : $"{Kind}: {Message}";
}
