package org.petasinyal;

import android.telephony.CellInfo;
import android.telephony.TelephonyManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * One answer to TelephonyManager.requestCellInfoUpdate (API 29+), kept for Python to poll.
 * pyjnius can only implement interfaces, and CellInfoCallback is an abstract class. It is
 * its own (direct) Executor, so the answer is stored on the thread that delivers it.
 */
public class CellInfoResult extends TelephonyManager.CellInfoCallback implements Executor {
    private volatile boolean done = false;
    private volatile int errorCode = -1;
    private volatile List<CellInfo> cells = new ArrayList<CellInfo>();

    @Override
    public void execute(Runnable command) {
        command.run();
    }

    @Override
    public void onCellInfo(List<CellInfo> cellInfo) {
        cells = cellInfo != null ? cellInfo : new ArrayList<CellInfo>();
        done = true;
    }

    @Override
    public void onError(int code, Throwable detail) {
        errorCode = code;
        done = true;
    }

    /** True once the modem answered (cells or an error). */
    public boolean isDone() {
        return done;
    }

    /** -1 when there was no error, else a CellInfoCallback.ERROR_* code. */
    public int getErrorCode() {
        return errorCode;
    }

    /** The cells of the answer (empty until done). */
    public List<CellInfo> getCells() {
        return cells;
    }
}
