using System.Net;
using System.Net.Sockets;

namespace GpuSharing.TestSupport;

/// <summary>Ports nobody listens on, handed out once each within a test run so that parallel fixtures never collide.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Given = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
