namespace GpuSharing.Fakes.AmdSmi;

/// <summary>What each GPU reports about itself, written down independently of the product's catalog.</summary>
internal static class FakeFamily
{
    private static readonly Dictionary<string, (string DeviceId, string Gfx, int ComputeUnits, long VramMb, string[] MemoryCaps, (string Type, string Caps)[] Profiles)> Families = new()
    {
        ["MI300X"] = ("0x74a1", "gfx942", 304, 196592, ["NPS1", "NPS2", "NPS4"], [("SPX", "NPS1"), ("DPX", "NPS1,NPS2"), ("QPX", "NPS1,NPS4"), ("CPX", "NPS1,NPS4")]),
        ["MI325X"] = ("0x74a5", "gfx942", 304, 262128, ["NPS1", "NPS2", "NPS4"], [("SPX", "NPS1"), ("DPX", "NPS1,NPS2"), ("QPX", "NPS1,NPS4"), ("CPX", "NPS1,NPS4")]),
        ["MI350X"] = ("0x75a0", "gfx950", 256, 294896, ["NPS1", "NPS2"], [("SPX", "NPS1"), ("DPX", "NPS2"), ("QPX", "NPS2"), ("CPX", "NPS2")]),
        ["MI355X"] = ("0x75a3", "gfx950", 256, 294896, ["NPS1", "NPS2"], [("SPX", "NPS1"), ("DPX", "NPS2"), ("QPX", "NPS2"), ("CPX", "NPS2")]),
    };

    public static int Partitions(string compute) => compute switch
    {
        "SPX" => 1,
        "DPX" => 2,
        "QPX" => 4,
        "CPX" => 8,
        _ => 1,
    };

    public static string DeviceId(string family) => Families[family].DeviceId;

    public static string Gfx(string family) => Families[family].Gfx;

    public static int ComputeUnits(string family) => Families[family].ComputeUnits;

    public static long VramMb(string family) => Families[family].VramMb;

    public static string[] MemoryCaps(string family) => Families[family].MemoryCaps;

    public static (string Type, string Caps)[] Profiles(string family) => Families[family].Profiles;

    public static int ProfileIndex(string family, string compute) => Array.FindIndex(Families[family].Profiles, p => p.Type == compute);

    public static bool IsValid(string family, string compute, string memory) =>
        Families[family].Profiles.Any(p => p.Type == compute && p.Caps.Split(',').Contains(memory));

    /// <summary>The mode the driver leaves a GPU in after a memory change makes its compute mode invalid.</summary>
    public static string AfterMemoryChange(string family, string compute, string memory) =>
        IsValid(family, compute, memory) ? compute : memory switch
        {
            "NPS4" => "CPX",
            "NPS2" => "DPX",
            _ => "SPX",
        };
}
