using System.Globalization;
using System.Text.RegularExpressions;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>Reads the output of <c>amd-smi set</c> (compute partition, memory partition, power cap, …).</summary>
public static partial class AmdSmiSetParser
{
    public static AmdSmiSetResult Parse(string text)
    {
        var lines = new List<AmdSmiSetLine>();
        int? gpu = null;
        string? fatal = null;
        foreach (var raw in AmdSmiText.Lines(text))
        {
            var line = raw.Trim();
            var header = GpuHeader().Match(line);
            if (header.Success)
            {
                gpu = int.Parse(header.Groups["gpu"].Value, CultureInfo.InvariantCulture);
                continue;
            }

            var fatalMatch = FatalLine().Match(line);
            if (fatalMatch.Success)
            {
                fatal = line;
                continue;
            }

            var setting = SettingLine().Match(line);
            if (gpu is null || !setting.Success)
            {
                continue;
            }

            var message = setting.Groups["message"].Value.Trim();
            var status = StatusTag().Match(message);
            lines.Add(new AmdSmiSetLine(
                gpu.Value,
                setting.Groups["setting"].Value,
                message.StartsWith("Successfully", StringComparison.OrdinalIgnoreCase),
                status.Success ? status.Groups["status"].Value : null,
                message));
        }

        return new AmdSmiSetResult(
            lines,
            text.Contains("Do you accept these terms?", StringComparison.OrdinalIgnoreCase),
            text.Contains("NO LONGER AUTOMATICALLY", StringComparison.OrdinalIgnoreCase) || text.Contains("MUST restart", StringComparison.OrdinalIgnoreCase),
            fatal);
    }

    [GeneratedRegex(@"^GPU:\s*(?<gpu>\d+)\s*$")]
    private static partial Regex GpuHeader();

    [GeneratedRegex(@"^(?<setting>[A-Z][A-Z_]+):\s*(?<message>(Successfully|\[AMDSMI_STATUS_|Unable|Failed|Error).*)$")]
    private static partial Regex SettingLine();

    [GeneratedRegex(@"\[AMDSMI_STATUS_(?<status>[A-Z_]+)\]")]
    private static partial Regex StatusTag();

    [GeneratedRegex(@"^(OSError|RuntimeError|Traceback|KeyboardInterrupt|Exception)\b")]
    private static partial Regex FatalLine();
}
