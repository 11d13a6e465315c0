namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>Versions of the tool, its library and ROCm, as <c>amd-smi version</c> or the default view print them.</summary>
public sealed record AmdSmiVersionInfo(string? Tool, string? Library, string? Rocm)
{
    /// <summary>The ROCm release as a comparable version; amd-smi 26.x ships with ROCm 7.0 when ROCm is not printed.</summary>
    public Version? RocmVersion
    {
        get
        {
            if (Rocm is not null && System.Version.TryParse(Rocm.Split('+', '-')[0], out var rocm))
            {
                return rocm;
            }

            if (Tool is not null && System.Version.TryParse(Tool.Split('+', '-')[0], out var tool))
            {
                // Tool 26.x ↔ ROCm 7.0–7.x, 27.x ↔ ROCm 7.14+, 25.x ↔ 6.4, 24.x ↔ 6.1–6.3.
                return tool.Major switch
                {
                    >= 27 => new Version(7, 14),
                    26 => new Version(7, 0),
                    25 => new Version(6, 4),
                    _ => new Version(6, 3),
                };
            }

            return null;
        }
    }

    /// <summary>From ROCm 7.0 on, <c>set -M</c> no longer reloads the driver.</summary>
    public bool MemoryChangeNeedsSeparateReload => RocmVersion is { } v && v >= new Version(7, 0);

    /// <summary><c>amd-smi reset -r</c> exists in ROCm 7.0–7.11; from 7.12 the driver is reloaded with modprobe.</summary>
    public bool ReloadsWithModprobe => RocmVersion is { } v && v >= new Version(7, 12);

    /// <summary><c>amd-smi list -e</c> (render node, HIP id per logical GPU) exists from ROCm 6.4.</summary>
    public bool HasEnumeration => RocmVersion is { } v && v >= new Version(6, 4);

    /// <summary>Render nodes in <c>list -e</c> are right for every partition from ROCm 6.4.1 (6.4.0 repeated the primary's).</summary>
    public bool ReportsRenderPerPartition => RocmVersion is { } v && v >= new Version(6, 4, 1);

    /// <summary>Single-document <c>partition --json</c> exists from ROCm 7.0; before it the text form is the reliable one.</summary>
    public bool HasPartitionJson => RocmVersion is { } v && v >= new Version(7, 0);
}
