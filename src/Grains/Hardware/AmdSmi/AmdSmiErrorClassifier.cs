using System.Globalization;
using System.Text.RegularExpressions;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// Turns what amd-smi printed into a typed <see cref="DeviceError"/>. It reads the status name
/// (<c>AMDSMI_STATUS_BUSY</c>), the numeric code (<c>Error code: 30</c>) and Python's exception lines, because the
/// exit code alone does not say what failed, and a <c>set</c> can exit 0 with a per-GPU failure in its output.
/// </summary>
public static partial class AmdSmiErrorClassifier
{
    private static readonly Dictionary<string, (DeviceErrorKind Kind, int Code)> Statuses = new(StringComparer.Ordinal)
    {
        ["INVAL"] = (DeviceErrorKind.InvalidArgument, 1),
        ["NOT_SUPPORTED"] = (DeviceErrorKind.NotSupported, 2),
        ["NO_PERM"] = (DeviceErrorKind.NoPermission, 10),
        ["BUSY"] = (DeviceErrorKind.Busy, 30),
        ["NOT_FOUND"] = (DeviceErrorKind.NotFound, 31),
        ["DRIVER_NOT_LOADED"] = (DeviceErrorKind.DriverNotLoaded, 34),
        ["AMDGPU_RESTART_ERR"] = (DeviceErrorKind.DriverReloadFailed, 54),
        ["SETTING_UNAVAILABLE"] = (DeviceErrorKind.SettingUnavailable, 55),
    };

    private static readonly Dictionary<int, string> StatusNamesByCode =
        Statuses.ToDictionary(s => s.Value.Code, s => s.Key);

    /// <summary>The error in the output, or null when the command succeeded.</summary>
    public static DeviceError? Classify(int exitCode, string stdout, string stderr)
    {
        var text = string.IsNullOrEmpty(stderr) ? stdout : $"{stdout}\n{stderr}";
        var statusName = StatusName().Match(text) is { Success: true } s ? s.Groups["name"].Value : null;
        int? code = ErrorCode().Match(text) is { Success: true } c ? int.Parse(c.Groups["code"].Value, CultureInfo.InvariantCulture) : null;
        statusName ??= code is { } known && StatusNamesByCode.TryGetValue(known, out var name) ? name : null;

        if (statusName is not null)
        {
            var (kind, statusCode) = Statuses.TryGetValue(statusName, out var mapped) ? mapped : (DeviceErrorKind.Failed, code ?? 0);
            return new DeviceError(kind, code ?? (statusCode == 0 ? null : statusCode), Describe(text, statusName));
        }

        if (text.Contains("PermissionError", StringComparison.Ordinal) || text.Contains("requires elevation", StringComparison.OrdinalIgnoreCase))
        {
            return new DeviceError(DeviceErrorKind.NoPermission, 10, Describe(text, null));
        }

        if (FatalLine().Match(text) is { Success: true } fatal)
        {
            return new DeviceError(DeviceErrorKind.Failed, null, fatal.Value.Trim());
        }

        return exitCode == 0
            ? null
            : new DeviceError(DeviceErrorKind.Failed, exitCode, $"amd-smi exited with code {exitCode}: {LastLine(text) ?? "no output"}");
    }

    // The most useful line: "Unable to set accelerator partition to SPX on GPU ID: 0 BDF:0000:11:00.0", then the status description.
    private static string Describe(string text, string? statusName)
    {
        var lines = AmdSmiText.Lines(text).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var action = lines.FirstOrDefault(l => l.Contains("Unable to set", StringComparison.OrdinalIgnoreCase));
        if (action is not null)
        {
            var at = action.IndexOf("Unable to set", StringComparison.OrdinalIgnoreCase);
            action = action[at..];
        }

        var status = lines.FirstOrDefault(l => statusName is not null && l.Contains($"AMDSMI_STATUS_{statusName} -", StringComparison.Ordinal));
        status = status is null ? null : status[status.IndexOf("AMDSMI_STATUS_", StringComparison.Ordinal)..];
        var hint = lines.FirstOrDefault(l => l.StartsWith("Users may need", StringComparison.OrdinalIgnoreCase) || l.StartsWith("PermissionError", StringComparison.Ordinal));

        var parts = new[] { action, status, hint }.Where(p => p is not null).Distinct().ToList();
        return parts.Count > 0 ? string.Join(" ", parts) : LastLine(text) ?? "amd-smi failed";
    }

    private static string? LastLine(string text) =>
        AmdSmiText.Lines(text).Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);

    [GeneratedRegex(@"AMDSMI_STATUS_(?<name>[A-Z_]+?)(?=[\]\s-]|$)")]
    private static partial Regex StatusName();

    [GeneratedRegex(@"Error code:\s*(?<code>\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorCode();

    [GeneratedRegex(@"(?m)^\s*(OSError|RuntimeError|Traceback \(most recent call last\)).*$")]
    private static partial Regex FatalLine();
}
