using System.Globalization;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.Simulation;

/// <summary>Faults waiting to be returned by the simulated device; tests inject them, configuration can seed them.</summary>
public sealed class SimulatedFaults
{
    private readonly List<(SimulatedFault Fault, int Remaining)> _faults = [];
    private readonly Lock _lock = new();

    public void Inject(SimulatedFault fault)
    {
        lock (_lock)
        {
            _faults.Add((fault, fault.Times));
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _faults.Clear();
        }
    }

    /// <summary>Takes one use of the first fault that matches, if any.</summary>
    public SimulatedFault? Take(SimulatedOperation operation, int? gpuIndex)
    {
        lock (_lock)
        {
            for (var i = 0; i < _faults.Count; i++)
            {
                var (fault, remaining) = _faults[i];
                if (fault.Operation != operation || (fault.GpuIndex is { } g && g != gpuIndex))
                {
                    continue;
                }

                if (remaining <= 1)
                {
                    _faults.RemoveAt(i);
                }
                else
                {
                    _faults[i] = (fault, remaining - 1);
                }

                return fault;
            }

            return null;
        }
    }

    /// <summary>Parses <c>set-compute:Busy:1;reload:Timeout:2</c>.</summary>
    public static IReadOnlyList<SimulatedFault> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var faults = new List<SimulatedFault>();
        foreach (var item in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split(':', StringSplitOptions.TrimEntries);
            var operation = parts[0].Replace("-", string.Empty, StringComparison.Ordinal);
            if (parts.Length is < 2 or > 3
                || !Enum.TryParse<SimulatedOperation>(operation, ignoreCase: true, out var op)
                || !Enum.TryParse<DeviceErrorKind>(parts[1], ignoreCase: true, out var kind))
            {
                throw new FormatException($"'{item}' is not a simulated fault of the form 'operation:kind[:times]' (operations: {string.Join(", ", Enum.GetNames<SimulatedOperation>())}).");
            }

            var times = parts.Length == 3 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 1;
            faults.Add(new SimulatedFault(op, kind, times));
        }

        return faults;
    }
}
