using GpuSharing.Grains.Hardware.AmdSmi;

namespace GpuSharing.Unit.Tests.AmdSmi;

/// <summary>Monitor table layouts that no captured fixture has: amd-smi 27's XCP column, watch mode's timestamp.</summary>
public sealed class MonitorFormatTests
{
    private const long GiB = 1L << 30;

    // amd-smi 27.0.0 (ROCm 7.14), an MI300X in CPX/NPS4, as the AMD SMI CLI guide prints it
    // (ROCm/rocm-systems, projects/amdsmi/docs/how-to/amdsmi-cli-tool.md, "Example output from amd-smi monitor").
    private const string Amdsmi27Monitor = """
        GPU  XCP  POWER   GPU_T   MEM_T   GFX_CLK   GFX%   MEM%   ENC%   DEC%      VRAM_USAGE
          0    0  183 W   49 °C   48 °C  1427 MHz    0 %    0 %    N/A    0 %    0.3/192.0 GB
          1    1    N/A     N/A     N/A       N/A    N/A    N/A    N/A    N/A    0.5/ 48.0 GB
          2    2    N/A     N/A     N/A       N/A    N/A    N/A    N/A    N/A    0.5/ 48.0 GB
          3    3    N/A     N/A     N/A       N/A    N/A    N/A    N/A    N/A    0.5/ 48.0 GB
          4    0  182 W   50 °C   46 °C  1423 MHz    0 %    0 %    N/A    0 %    0.3/192.0 GB
        """;

    [Fact]
    public void Amd_smi_27_puts_XCP_between_GPU_and_POWER_and_every_row_is_read()
    {
        var rows = AmdSmiMonitorParser.Parse(Amdsmi27Monitor);

        Assert.Equal([0, 1, 2, 3, 4], rows.Select(r => r.Gpu));
        Assert.Equal([0, 1, 2, 3, 0], rows.Select(r => r.Xcp!.Value));
        Assert.Equal((183d, 49d, 48d), (rows[0].PowerWatts!.Value, rows[0].GpuTemperatureCelsius!.Value, rows[0].MemoryTemperatureCelsius!.Value));
        Assert.Equal(192 * GiB, rows[0].VramTotalBytes);
        Assert.All(rows.Skip(1).Take(3), r => Assert.Equal(48 * GiB, r.VramTotalBytes));
        Assert.All(rows.Skip(1).Take(3), r => Assert.Null(r.PowerWatts));
        Assert.Equal(182, rows[4].PowerWatts);
    }

    [Fact]
    public void Watch_mode_timestamps_and_the_GTT_column_of_an_APU_are_read_by_name()
    {
        const string text = """
            TIMESTAMP  GPU  XCP  POWER   GPU_T   MEM_T   GFX_CLK   GFX%   MEM%   ENC%   DEC%       GTT_USAGE
            1786038263    0    0   49 W   27 °C   29 °C    43 MHz    2 %    0 %    N/A    0 %    0.0/376.7 GB
            1786038263    1    0   42 W   29 °C   30 °C    47 MHz    2 %    0 %    N/A    0 %    0.0/376.7 GB
            """;

        var rows = AmdSmiMonitorParser.Parse(text);

        Assert.Equal([0, 1], rows.Select(r => r.Gpu));
        Assert.Equal([49d, 42d], rows.Select(r => r.PowerWatts!.Value));
        Assert.All(rows, r => Assert.Equal((long)(376.7 * GiB), r.VramTotalBytes!.Value, tolerance: GiB / 100));
    }
}
