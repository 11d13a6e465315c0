using System.Net;
using System.Net.Sockets;

namespace GpuSharing.TestSupport;

/// <summary>
/// Ports nobody listens on, each handed out once across all the test processes of a run. They are taken from
/// <see cref="First"/>..<see cref="Last"/>: below the kernel's ephemeral range (32768 and up here, where a bind to port 0
/// and every outgoing connection take theirs) and below Orleans' test cluster ranges (22300 and up), clear of run.sh's
/// defaults. Each is claimed with an exclusive lock on a file of its own, held until the process exits, so two test
/// projects running side by side never start services on one port — which asking the kernel for a free port and
/// letting it go could not promise (the same port could be handed to the project beside it).
/// </summary>
public static class FreePorts
{
    public const int First = 12000;
    public const int Last = 21999;

    private static readonly string ClaimDirectory = Path.Combine(Path.GetTempPath(), "gpu-sharing-test-ports");
    private static readonly List<FileStream> Claims = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            Directory.CreateDirectory(ClaimDirectory);
            for (var attempt = 0; attempt < 10_000; attempt++)
            {
                var port = Random.Shared.Next(First, Last + 1);
                var claim = TryClaim(port);
                if (claim is null)
                {
                    continue; // this process or another one holds it
                }

                Claims.Add(claim); // held either way: a port something else listens on is not tried again
                if (IsFree(port))
                {
                    return port;
                }
            }

            throw new InvalidOperationException($"no free port left between {First} and {Last}");
        }
    }

    private static FileStream? TryClaim(int port)
    {
        try
        {
            // FileShare.None takes an exclusive lock (flock) that other .NET processes respect; it goes with the process.
            return new FileStream(Path.Combine(ClaimDirectory, $"{port}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether nothing listens on <paramref name="port"/> on the loopback interface (it binds).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
