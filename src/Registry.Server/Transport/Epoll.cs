using System.Runtime.InteropServices;

namespace Registry.Server.Transport;

/// <summary>The Linux calls the event loop needs and the BCL does not expose: epoll, eventfd, and recv/send on a raw descriptor.</summary>
/// <remarks>Only used where <see cref="IsSupported"/> holds; the structure layout below is the x86-64 one (packed).</remarks>
internal static unsafe partial class Epoll
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;
    public const uint ReadHangUp = 0x2000;

    public const int Add = 1;
    public const int Delete = 2;
    public const int Modify = 3;

    public const int EAGAIN = 11;
    public const int EINTR = 4;

    private const int CloseOnExec = 0x80000;
    private const int NonBlocking = 0x800;
    private const int NoSignal = 0x4000;

    /// <summary>True on Linux x86-64, where the layout of <see cref="Event"/> below is right.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary><c>struct epoll_event</c>, packed on x86-64.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct Event
    {
        public uint Events;
        public ulong Data;
    }

    public static int Create() => epoll_create1(CloseOnExec);

    public static int CreateEventFd() => eventfd(0, CloseOnExec | NonBlocking);

    public static int Control(int epoll, int operation, int fd, uint events, ulong data)
    {
        var ev = new Event { Events = events, Data = data };
        return epoll_ctl(epoll, operation, fd, &ev);
    }

    public static int Wait(int epoll, Span<Event> events, int timeoutMilliseconds)
    {
        fixed (Event* p = events)
        {
            return epoll_wait(epoll, p, events.Length, timeoutMilliseconds);
        }
    }

    /// <summary>Receives into <paramref name="buffer"/>: the byte count, 0 at end of stream, or -errno.</summary>
    public static int Receive(nint fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = recv((int)fd, p, buffer.Length, 0);
            return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Sends from <paramref name="buffer"/>: the byte count, or -errno.</summary>
    public static int Send(nint fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = send((int)fd, p, buffer.Length, NoSignal);
            return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
        }
    }

    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = write(eventFd, &one, sizeof(ulong));
    }

    public static void Drain(int eventFd)
    {
        ulong value;
        _ = read(eventFd, &value, sizeof(ulong));
    }

    public static void CloseDescriptor(int fd) => _ = close(fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, Event* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, Event* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, void* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
