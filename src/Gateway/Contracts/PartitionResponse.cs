namespace GpuSharing.Gateway.Contracts;

/// <summary>A partition: capacity, what is reserved on it and by whom, and the binding a workload uses to run on it.</summary>
public sealed record PartitionResponse(
    int Index,
    long VramBytes,
    int ComputeUnits,
    long ReservedBytes,
    IReadOnlyList<string> Deployments,
    IReadOnlyList<ReservationResponse> Reservations,
    bool AcceptsReservations,
    BindingResponse? Binding);
