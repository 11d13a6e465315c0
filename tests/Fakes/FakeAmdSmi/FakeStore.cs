using System.Text.Json;

namespace GpuSharing.Fakes.AmdSmi;

/// <summary>Loads and saves the state file under an exclusive lock, so that concurrent invocations never lose a change.</summary>
internal sealed class FakeStore : IDisposable
{
    private readonly string _path;
    private readonly FileStream _lock;

    private FakeStore(string path, FileStream @lock, FakeState state)
    {
        _path = path;
        _lock = @lock;
        State = state;
    }

    public FakeState State { get; }

    public static FakeStore Open(string path)
    {
        var lockPath = path + ".lock";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var fileLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var state = JsonSerializer.Deserialize(File.ReadAllText(path), FakeJson.Default.FakeState)
                    ?? throw new InvalidDataException($"{path} is empty.");
                return new FakeStore(path, fileLock, state);
            }
            catch (IOException) when (attempt < 400)
            {
                Thread.Sleep(25);
            }
        }
    }

    public void Save()
    {
        var temporary = _path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(State, FakeJson.Default.FakeState));
        File.Move(temporary, _path, overwrite: true);
    }

    public void Dispose() => _lock.Dispose();
}
