using System.Net;

namespace GpuSharing.Gateway.Security;

/// <summary>Whether every address the gateway listens on is a loopback address (the local default, no token needed).</summary>
public static class ListenAddresses
{
    public static bool AllLoopback(string? urls)
    {
        if (string.IsNullOrWhiteSpace(urls))
        {
            return false;
        }

        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var host = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
            host = host.Split('/')[0];
            host = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
            var loopback = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
            if (!loopback)
            {
                return false;
            }
        }

        return true;
    }
}
