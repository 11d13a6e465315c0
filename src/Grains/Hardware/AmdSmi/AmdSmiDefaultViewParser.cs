using System.Globalization;
using System.Text.RegularExpressions;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>Reads the boxed default view of amd-smi 26.0+ (both the 26.x one-line header and the 27.x multi-line header).</summary>
public static partial class AmdSmiDefaultViewParser
{
    public static AmdSmiDefaultView Parse(string text)
    {
        var gpus = new List<AmdSmiDefaultViewGpu>();
        var processes = new List<AmdSmiDefaultViewProcess>();
        var inProcesses = false;
        (string Bdf, string Name)? pending = null;
        foreach (var line in AmdSmiText.Lines(text))
        {
            if (line.Contains("Processes:", StringComparison.Ordinal))
            {
                inProcesses = true;
                continue;
            }

            if (inProcesses)
            {
                var process = ProcessRow().Match(line);
                if (process.Success)
                {
                    processes.Add(new AmdSmiDefaultViewProcess(
                        int.Parse(process.Groups["gpu"].Value, CultureInfo.InvariantCulture),
                        int.Parse(process.Groups["pid"].Value, CultureInfo.InvariantCulture),
                        process.Groups["name"].Value,
                        AmdSmiQuantity.ParseBytes(process.Groups["vram"].Value)));
                }

                continue;
            }

            var first = GpuFirstRow().Match(line);
            if (first.Success)
            {
                pending = (first.Groups["bdf"].Value, first.Groups["name"].Value.Trim());
                continue;
            }

            var second = GpuSecondRow().Match(line);
            if (second.Success && pending is { } p)
            {
                gpus.Add(new AmdSmiDefaultViewGpu(
                    int.Parse(second.Groups["gpu"].Value, CultureInfo.InvariantCulture),
                    p.Bdf,
                    p.Name,
                    AmdSmiQuantity.ParseInt(second.Groups["hip"].Value),
                    AmdSmiQuantity.ParseInt(second.Groups["oam"].Value),
                    second.Groups["mode"].Value,
                    second.Groups["used"].Success ? AmdSmiQuantity.ToBytes(double.Parse(second.Groups["used"].Value, CultureInfo.InvariantCulture), "MB") : null,
                    second.Groups["total"].Success ? AmdSmiQuantity.ToBytes(double.Parse(second.Groups["total"].Value, CultureInfo.InvariantCulture), "MB") : null));
                pending = null;
            }
        }

        var tool = ToolVersion().Match(text);
        var rocm = RocmVersion().Match(text);
        var driver = DriverVersion().Match(text);
        var platform = Platform().Match(text);
        return new AmdSmiDefaultView(
            new AmdSmiVersionInfo(tool.Success ? tool.Groups["v"].Value : null, null, rocm.Success ? rocm.Groups["v"].Value : null),
            driver.Success ? driver.Groups["v"].Value : null,
            platform.Success ? platform.Groups["p"].Value.Trim() : null,
            gpus,
            processes);
    }

    [GeneratedRegex(@"^\|\s*(?<bdf>[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-9a-fA-F])\s+(?<name>[^|]+?)\s*\|")]
    private static partial Regex GpuFirstRow();

    [GeneratedRegex(@"^\|\s*(?<gpu>\d+)\s+(?<hip>\d+|N/A)\s+(?<oam>\d+|N/A)\s+(?<mode>[A-Z]{3}/NPS\d|N/A)\s*\|[^|]*?(?:(?<used>\d+)/(?<total>\d+)\s*MB)?\s*\|")]
    private static partial Regex GpuSecondRow();

    [GeneratedRegex(@"^\|\s*(?<gpu>\d+)\s+(?<pid>\d+)\s+(?<name>\S+)\s+(?<gtt>[\d.]+\s*[KMGT]?B)\s+(?<vram>[\d.]+\s*[KMGT]?B)")]
    private static partial Regex ProcessRow();

    [GeneratedRegex(@"AMD-SMI\s+(?<v>\d+\.\d+\.\d+\S*)")]
    private static partial Regex ToolVersion();

    [GeneratedRegex(@"ROCm version:\s*(?<v>\d+\.\d+(?:\.\d+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex RocmVersion();

    [GeneratedRegex(@"amdgpu version:\s*(?<v>\d+\.\d+(?:\.\d+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex DriverVersion();

    [GeneratedRegex(@"Platform:\s*(?<p>[^|]+)")]
    private static partial Regex Platform();
}
