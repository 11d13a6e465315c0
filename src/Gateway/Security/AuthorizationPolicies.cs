namespace GpuSharing.Gateway.Security;

public static class AuthorizationPolicies
{
    /// <summary>Mutating routes and the dashboard.</summary>
    public const string Operator = "operator";
}
