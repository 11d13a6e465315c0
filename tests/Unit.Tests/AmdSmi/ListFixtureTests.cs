using GpuSharing.Grains.Hardware.AmdSmi;

namespace GpuSharing.Unit.Tests.AmdSmi;

public sealed class ListFixtureTests
{
    [Fact]
    [CoversFixture("list_rocm6.3_amdsmi24.7_mi300-2gpu.txt")]
    public void Rocm63_list_text_has_two_GPUs_with_their_addresses_and_kfd_ids()
    {
        var devices = AmdSmiListParser.ParseText(Fixtures.AmdSmi("list_rocm6.3_amdsmi24.7_mi300-2gpu.txt"));

        Assert.Equal(2, devices.Count);
        Assert.Equal(new AmdSmiLogicalDevice(0, "0000:23:00.0", "<redacted>", 45412, 1, 0), devices[0]);
        Assert.Equal(new AmdSmiLogicalDevice(1, "0000:26:00.0", "<redacted>", 59881, 2, 0), devices[1]);
        Assert.Equal(("0000:23:00", 0), (devices[0].PhysicalBdf, devices[0].Function));
    }

    [Fact]
    [CoversFixture("DERIVED_list-json_rocm7.x_mi300x-spx.json")]
    public void List_json_is_a_bare_list_of_logical_GPUs()
    {
        var devices = AmdSmiListParser.ParseJson(Fixtures.AmdSmi("DERIVED_list-json_rocm7.x_mi300x-spx.json"));

        var device = Assert.Single(devices);
        Assert.Equal(new AmdSmiLogicalDevice(0, "0000:0c:00.0", "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX", 18421, 2, 0), device);
    }
}
