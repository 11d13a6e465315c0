using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Gateway.Contracts;

public sealed record DeviceErrorResponse(DeviceErrorKind Kind, int? StatusCode, string Message);
