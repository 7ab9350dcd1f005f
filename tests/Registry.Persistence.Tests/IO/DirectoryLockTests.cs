using Registry.Persistence.IO;

namespace Registry.Persistence.Tests.IO;

public class DirectoryLockTests
{
    [Fact]
    public void Acquire_WhenHeld_ThrowsAndSucceedsAfterRelease()
    {
        using var dir = new TempDirectory();
        var first = DirectoryLock.Acquire(dir.Path);
        var ex = Assert.Throws<DirectoryLockedException>(() => DirectoryLock.Acquire(dir.Path));
        Assert.Contains("locked", ex.Message, StringComparison.Ordinal);
        first.Dispose();
        using var second = DirectoryLock.Acquire(dir.Path);
        Assert.True(File.Exists(second.Path));
    }

    [Fact]
    public void SyncDirectory_MissingDirectory_Throws()
    {
        using var dir = new TempDirectory();
        Assert.Throws<PersistenceException>(() => Durability.SyncDirectory(dir.Combine("missing")));
    }
}
