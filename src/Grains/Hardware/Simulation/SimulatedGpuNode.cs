using System.Globalization;
using System.Text.Json;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;
using Microsoft.Extensions.Options;

namespace GpuSharing.Grains.Hardware.Simulation;

/// <summary>
/// An in-process GPU node that obeys the driver's rules and answers like amd-smi: SETTING_UNAVAILABLE for a compute
/// mode the memory mode does not allow, BUSY while processes hold a GPU, NOT_SUPPORTED for a memory mode a GPU lacks,
/// a memory-mode change that waits for a driver reload (ROCm 7.0+ behaviour), the driver moving a GPU whose compute
/// mode becomes invalid to a valid one, and no changes at all in an SR-IOV guest. Faults can be injected.
/// This is a simulation and says so: its tool version is <c>simulated</c>.
/// </summary>
public sealed class SimulatedGpuNode : IGpuNodeBackend
{

    // The simulation knows its processes per GPU, not per partition: VRAM in use per partition only when there is one.
    private GpuTelemetry Telemetry(int gpu, int partitions)
    {
        var used = _processes.Where(p => p.GpuIndex == gpu).Sum(p => p.VramBytes ?? 0);
        return new GpuTelemetry(0, null, null, null, used, partitions == 1 ? [used] : null);
    }
    private static readonly JsonSerializerOptions StateJson = new() { WriteIndented = true };

    private readonly NodeOptions _options;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<GpuFamily> _families;
    private readonly Lock _lock = new();
    private readonly SimulatedDeviceState _state;
    private readonly List<GpuProcessInfo> _processes = [];
    private readonly bool _separateReload;

    public SimulatedGpuNode(IOptions<NodeOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _families = SimulatedGpuSpec.Parse(_options.SimulatedGpus);
        _separateReload = Version.TryParse(_options.SimulatedRocmVersion, out var rocm) && rocm >= new Version(7, 0);
        _state = LoadState() ?? new SimulatedDeviceState
        {
            Families = [.. _families.Select(f => f.Name)],
            ComputeModes = [.. _families.Select(_ => ComputeMode.SPX)],
        };
        foreach (var fault in SimulatedFaults.Parse(_options.SimulatedFaults))
        {
            Faults.Inject(fault);
        }
    }

    public string Kind => "simulated";

    public SimulatedFaults Faults { get; } = new();

    public bool IsGuest => _options.SimulatedPlatform.Contains("Guest", StringComparison.OrdinalIgnoreCase);

    /// <summary>A process opens the GPU (a vLLM engine, say); mode changes on it fail with BUSY until it exits.</summary>
    public void StartProcess(int gpuIndex, int pid, string name, long vramBytes)
    {
        lock (_lock)
        {
            _processes.Add(new GpuProcessInfo(gpuIndex, pid, name, vramBytes));
        }
    }

    public void StopProcess(int pid)
    {
        lock (_lock)
        {
            _processes.RemoveAll(p => p.Pid == pid);
        }
    }

    public Task<NodeHardwareSnapshot> ReadNodeAsync(CancellationToken cancellationToken)
    {
        Fault(SimulatedOperation.Read, null);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var logical = 0;
            var gpus = new List<GpuDeviceSnapshot>();
            for (var i = 0; i < _families.Count; i++)
            {
                var family = _families[i];
                var compute = _state.ComputeModes[i];
                var count = (int)compute;
                var partitions = Enumerable.Range(0, count)
                    .Select(p => new DevicePartition(p, family.NominalPartitionBytes(compute), family.PartitionComputeUnits(compute), Bdf(i, p), logical + p, $"/dev/dri/renderD{128 + logical + p}"))
                    .ToList();
                logical += count;
                gpus.Add(new GpuDeviceSnapshot(
                    i,
                    family.Name,
                    $"AMD Instinct {family.Name}",
                    family.DeviceIds[0],
                    Bdf(i, 0),
                    $"sim-{_options.Name}-{i}",
                    family.HbmBytes,
                    family.ComputeUnits,
                    compute,
                    _state.MemoryMode,
                    partitions,
                    DeviceCapabilities(family),
                    now,
                    Telemetry(i, partitions.Count)));
            }

            return Task.FromResult(new NodeHardwareSnapshot(
                "simulated", _options.SimulatedRocmVersion, _options.SimulatedPlatform, !IsGuest, _state.MemoryMode, _state.PendingMemoryMode, gpus, []));
        }
    }

    public Task<IReadOnlyList<GpuProcessInfo>> ListProcessesAsync(int gpuIndex, CancellationToken cancellationToken)
    {
        Fault(SimulatedOperation.ListProcesses, gpuIndex);
        lock (_lock)
        {
            RequireGpu(gpuIndex);
            return Task.FromResult<IReadOnlyList<GpuProcessInfo>>([.. _processes.Where(p => p.GpuIndex == gpuIndex)]);
        }
    }

    public async Task SetComputeModeAsync(int gpuIndex, ComputeMode mode, CancellationToken cancellationToken)
    {
        await Task.Delay(_options.SimulatedComputeDelay, _time, cancellationToken);
        var fault = Fault(SimulatedOperation.SetCompute, gpuIndex, applyFirst: true);
        lock (_lock)
        {
            RequireHost();
            RequireGpu(gpuIndex);
            var family = _families[gpuIndex];
            if (_processes.Any(p => p.GpuIndex == gpuIndex))
            {
                throw Error(DeviceErrorKind.Busy, 30, $"Unable to set accelerator partition to {mode} on GPU ID: {gpuIndex} BDF:{Bdf(gpuIndex, 0)} (AMDSMI_STATUS_BUSY - Device busy)");
            }

            if (!family.IsValid(mode, _state.MemoryMode))
            {
                throw Error(
                    DeviceErrorKind.SettingUnavailable,
                    55,
                    $"Unable to set accelerator partition to {mode} on GPU ID: {gpuIndex} BDF:{Bdf(gpuIndex, 0)} (AMDSMI_STATUS_SETTING_UNAVAILABLE - Setting is not available) Users may need to switch memory partition to another mode in order to enable the desired accelerator partition.");
            }

            _state.ComputeModes[gpuIndex] = mode;
            SaveState();
        }

        ThrowAfterApplying(fault);
    }

    public async Task<bool> SetMemoryModeAsync(MemoryMode mode, CancellationToken cancellationToken)
    {
        await Task.Delay(_options.SimulatedMemoryDelay, _time, cancellationToken);
        var fault = Fault(SimulatedOperation.SetMemory, null, applyFirst: true);
        bool needsReload;
        lock (_lock)
        {
            RequireHost();
            if (_families.FirstOrDefault(f => !f.MemoryModes.Contains(mode)) is { } unsupported)
            {
                throw Error(DeviceErrorKind.NotSupported, 2, $"[AMDSMI_STATUS_NOT_SUPPORTED] Unable to set memory partition to {mode} ({unsupported.Name} supports {string.Join(", ", unsupported.MemoryModes)})");
            }

            RequireIdle("memory partition", mode.ToString());
            if (_separateReload)
            {
                _state.PendingMemoryMode = mode;
            }
            else
            {
                ApplyMemoryMode(mode);
            }

            SaveState();
            needsReload = _separateReload;
        }

        ThrowAfterApplying(fault);
        return needsReload;
    }

    public async Task ReloadDriverAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(_options.SimulatedReloadDelay, _time, cancellationToken);
        var fault = Fault(SimulatedOperation.Reload, null, applyFirst: true);
        lock (_lock)
        {
            RequireHost();
            if (_processes.Count > 0)
            {
                throw Error(DeviceErrorKind.DriverReloadFailed, 54, $"Unable to reload the amdgpu driver: {_processes.Count} process(es) still hold GPUs (AMDSMI_STATUS_AMDGPU_RESTART_ERR)");
            }

            if (_state.PendingMemoryMode is { } pending)
            {
                ApplyMemoryMode(pending);
                _state.PendingMemoryMode = null;
            }

            SaveState();
        }

        ThrowAfterApplying(fault);
    }

    private static GpuDeviceException Error(DeviceErrorKind kind, int? code, string message) => new(new DeviceError(kind, code, message));

    private static string Bdf(int gpuIndex, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"0000:{0x0c + (0x16 * gpuIndex):x2}:00.{partition}");

    // The device enumerates its profiles in the catalog's order: SPX #0, DPX #1, QPX #2, CPX #3 on an MI300X.
    private static GpuCapabilities DeviceCapabilities(GpuFamily family) => new(
        [.. family.ValidCombinations.OrderBy(c => c.Key).Select((c, index) => new ComputeModeSupport(c.Key, index, c.Value, (int)c.Key))],
        family.MemoryModes,
        CapabilitySource.Device);

    private static void ThrowAfterApplying(SimulatedFault? fault)
    {
        if (fault is not null)
        {
            throw Error(fault.Kind, null, $"Injected {fault.Kind} after the change was applied.");
        }
    }

    // A fault with ApplyFirst is returned to the caller, which throws it after making the change.
    private SimulatedFault? Fault(SimulatedOperation operation, int? gpuIndex, bool applyFirst = false)
    {
        if (Faults.Take(operation, gpuIndex) is not { } fault)
        {
            return null;
        }

        if (applyFirst && fault.ApplyFirst)
        {
            return fault;
        }

        var message = fault.Kind == DeviceErrorKind.Timeout
            ? $"'{operation}' did not finish in time and was killed (injected)."
            : $"Injected {fault.Kind} for {operation}.";
        throw Error(fault.Kind, StatusCode(fault.Kind), message);
    }

    private static int? StatusCode(DeviceErrorKind kind) => kind switch
    {
        DeviceErrorKind.Busy => 30,
        DeviceErrorKind.NoPermission => 10,
        DeviceErrorKind.SettingUnavailable => 55,
        DeviceErrorKind.NotSupported => 2,
        _ => null,
    };

    private void ApplyMemoryMode(MemoryMode mode)
    {
        _state.MemoryMode = mode;
        for (var i = 0; i < _families.Count; i++)
        {
            _state.ComputeModes[i] = _families[i].ComputeModeAfterMemoryChange(_state.ComputeModes[i], mode);
        }
    }

    private void RequireHost()
    {
        if (IsGuest)
        {
            throw Error(DeviceErrorKind.GuestCannotSet, null, $"This node is an SR-IOV guest ({_options.SimulatedPlatform}); partitions can only be changed on the host.");
        }
    }

    private void RequireGpu(int gpuIndex)
    {
        if (gpuIndex < 0 || gpuIndex >= _families.Count)
        {
            throw Error(DeviceErrorKind.NotFound, 31, $"There is no GPU {gpuIndex}; the node has {_families.Count}.");
        }
    }

    private void RequireIdle(string setting, string value)
    {
        if (_processes.Count > 0)
        {
            throw Error(DeviceErrorKind.Busy, 30, $"Unable to set {setting} to {value}: processes {string.Join(", ", _processes.Select(p => p.Pid))} hold GPUs (AMDSMI_STATUS_BUSY - Device busy)");
        }
    }

    private SimulatedDeviceState? LoadState()
    {
        if (string.IsNullOrWhiteSpace(_options.SimulatedStateFile) || !File.Exists(_options.SimulatedStateFile))
        {
            return null;
        }

        var state = JsonSerializer.Deserialize<SimulatedDeviceState>(File.ReadAllText(_options.SimulatedStateFile), StateJson);
        var valid = state is not null
            && state.Families.SequenceEqual(_families.Select(f => f.Name))
            && state.ComputeModes.Count == _families.Count
            && state.ComputeModes.Select((c, i) => _families[i].IsValid(c, state.MemoryMode)).All(v => v);
        return valid ? state : null; // a different GPU set means a different machine: start from the factory default
    }

    private void SaveState()
    {
        if (string.IsNullOrWhiteSpace(_options.SimulatedStateFile))
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(_options.SimulatedStateFile));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = _options.SimulatedStateFile + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(_state, StateJson));
        File.Move(temporary, _options.SimulatedStateFile, overwrite: true);
    }
}
