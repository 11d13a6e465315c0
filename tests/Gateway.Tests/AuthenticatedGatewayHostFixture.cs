namespace GpuSharing.Gateway.Tests;

/// <summary>The gateway's web host with a bearer token configured: what runs outside the local default.</summary>
public sealed class AuthenticatedGatewayHostFixture() : GatewayHostFixture(new Dictionary<string, string?> { ["GpuSharing:Gateway:BearerToken"] = Token })
{
    public const string Token = "s3cret-token-for-tests";
}
