namespace GpuSharing.Gateway.Contracts;

public sealed record ReservationResponse(string Deployment, long Bytes);
