using System.Text.RegularExpressions;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// <c>amd-smi version</c>: <c>AMDSMI Tool: 26.0.0+eaa54ecc | AMDSMI Library version: 26.0.0 | ROCm version: 7.0.0</c>
/// (also the <c>Version: 25.3.0+ede62f2 | ROCm version: 6.4.0</c> footer of older outputs).
/// </summary>
public static partial class AmdSmiVersionParser
{
    public static AmdSmiVersionInfo Parse(string text)
    {
        var tool = ToolVersion().Match(text);
        var library = LibraryVersion().Match(text);
        var rocm = RocmVersion().Match(text);
        return new AmdSmiVersionInfo(
            tool.Success ? tool.Groups["v"].Value : null,
            library.Success ? library.Groups["v"].Value : null,
            rocm.Success ? rocm.Groups["v"].Value : null);
    }

    [GeneratedRegex(@"(?:AMDSMI Tool|AMD-SMI|Interface \| Version)\s*:?\s*(?<v>\d+\.\d+\.\d+[^\s|]*)", RegexOptions.IgnoreCase)]
    private static partial Regex ToolVersion();

    [GeneratedRegex(@"Library version\s*:\s*(?<v>\d+\.\d+[.\d]*)", RegexOptions.IgnoreCase)]
    private static partial Regex LibraryVersion();

    [GeneratedRegex(@"ROCm version\s*:\s*(?<v>\d+\.\d+(?:\.\d+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex RocmVersion();
}
