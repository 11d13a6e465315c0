using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Interfaces;
using GpuSharing.Grains.Interfaces.Gpus;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Partitions;
using GpuSharing.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Partitions;

/// <summary>
/// The authority for one partition's reservations. It checks every reservation against the partition's VRAM itself,
/// so no caller, however wrong, can over-commit it; it refuses reservations while its GPU is being reconfigured.
/// </summary>
[NodeAffinityPlacement]
public sealed partial class PartitionGrain(
    [PersistentState("partition", StorageNames.Hardware)] IPersistentState<PartitionGrainState> state,
    ILogger<PartitionGrain> logger) : Grain, IPartitionGrain
{
    private (string Node, int Gpu, int Partition) _key;

    private PartitionGrainState State => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = GrainKeys.ParsePartition(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task<PartitionView> GetAsync() => Task.FromResult(View());

    public async Task<ReservationResult> ReserveAsync(PartitionReservation reservation, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reservation.Deployment) || reservation.Bytes <= 0 || reservation.Span < 1)
        {
            return Result(ReservationOutcome.InvalidRequest, "A reservation needs a deployment name and a positive number of bytes.");
        }

        if (State.Spec is null || State.Retired)
        {
            return Result(ReservationOutcome.NotConfigured, $"Partition {_key.Partition} does not exist in GPU {_key.Node}/{_key.Gpu}'s current layout.");
        }

        if (State.FrozenBy is { } operation)
        {
            return Result(ReservationOutcome.Frozen, $"GPU {_key.Node}/{_key.Gpu} is being reconfigured (operation {operation}).");
        }

        var others = State.Reservations.Values.Where(r => r.Deployment != reservation.Deployment).ToList();
        if (others.Count > 0 && (reservation.Isolation == Isolation.Exclusive || others.Any(r => r.Isolation == Isolation.Exclusive)))
        {
            return Result(ReservationOutcome.Isolated, $"{reservation.Deployment} cannot share partition {this.GetPrimaryKeyString()} with {string.Join(", ", others.Select(r => r.Deployment))}: an exclusive replica is alone on its partition.");
        }

        var held = others.Sum(r => r.Bytes);
        if (held + reservation.Bytes > State.Spec.VramBytes)
        {
            LogRefused(logger, reservation.Deployment, reservation.Bytes, this.GetPrimaryKeyString(), State.Spec.VramBytes - held);
            return Result(ReservationOutcome.InsufficientMemory, $"{reservation.Deployment} needs {reservation.Bytes} bytes; {State.Spec.VramBytes - held} of {State.Spec.VramBytes} are free.");
        }

        if (State.Reservations.TryGetValue(reservation.Deployment, out var existing) && existing == reservation)
        {
            return Result(ReservationOutcome.Reserved, null);
        }

        State.Reservations[reservation.Deployment] = reservation;
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        NotifyGpu();
        return Result(ReservationOutcome.Reserved, null);
    }

    public async Task<bool> ReleaseAsync(string deployment, CancellationToken cancellationToken = default)
    {
        if (!State.Reservations.Remove(deployment))
        {
            return false;
        }

        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        NotifyGpu();
        return true;
    }

    public async Task<PartitionView> ConfigureAsync(PartitionSpec spec, CancellationToken cancellationToken = default)
    {
        State.Spec = spec;
        State.Retired = false;
        State.FrozenBy = null;
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        return View();
    }

    public async Task<IReadOnlyList<PartitionReservation>> FreezeAsync(string operationId, CancellationToken cancellationToken = default)
    {
        State.FrozenBy = operationId;
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        return Reservations();
    }

    public async Task ThawAsync(string operationId, CancellationToken cancellationToken = default)
    {
        if (State.FrozenBy == operationId)
        {
            State.FrozenBy = null;
            await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        }
    }

    public async Task<bool> RetireAsync(string operationId, CancellationToken cancellationToken = default)
    {
        if (State.Reservations.Count > 0)
        {
            return false;
        }

        State.Retired = true;
        State.FrozenBy = null;
        await state.WriteOrRestartAsync(GrainContext, cancellationToken);
        return true;
    }

    private List<PartitionReservation> Reservations() =>
        [.. State.Reservations.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Value)];

    private PartitionView View() => new(
        _key.Partition,
        State.Spec?.VramBytes ?? 0,
        State.Spec?.ComputeUnits ?? 0,
        State.Reservations.Values.Sum(r => r.Bytes),
        Reservations(),
        State.Spec?.Binding,
        State.Spec is not null && !State.Retired && State.FrozenBy is null);

    private ReservationResult Result(ReservationOutcome outcome, string? reason)
    {
        var reserved = State.Reservations.Values.Sum(r => r.Bytes);
        return new ReservationResult(outcome, reserved, Math.Max(0, (State.Spec?.VramBytes ?? 0) - reserved), reason);
    }

    // One-way: the GPU calls its partitions, so a partition must never wait on its GPU.
    private void NotifyGpu() =>
        GrainFactory.GetGrain<IGpuGrain>(GrainKeys.Gpu(_key.Node, _key.Gpu)).PartitionChangedAsync(_key.Partition).Ignore();

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Deployment} ({Bytes} bytes) on partition {Partition}: only {Free} bytes free")]
    private static partial void LogRefused(ILogger logger, string deployment, long bytes, string partition, long free);
}
