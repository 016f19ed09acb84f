package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/inventory"
)

// DefaultImportBatch is how many rows an import commits per transaction.
// Measured on SQLite with 100,000 rows, 5,000 costs a fifth less CPU than
// 1,000 (fewer commits, each index page written to the WAL fewer times);
// larger batches gain nothing more, and a batch is what a crash throws
// away (a re-run redoes it) and what a failed write retries row by row.
const DefaultImportBatch = 5000

// MaxImportBatch bounds --batch: one batch's rows and devices are held in memory.
const MaxImportBatch = 10000

// ImportAction is what an import did (or, in a dry run, would do) with a row.
type ImportAction string

const (
	ImportCreated   ImportAction = "created"
	ImportUpdated   ImportAction = "updated"
	ImportUnchanged ImportAction = "unchanged"
	ImportRejected  ImportAction = "rejected"
)

// RecordSource yields device rows; *inventory.Reader is one. Next returns
// io.EOF after the last row. ImportDevices calls Next from a goroutine of
// its own, a batch ahead of the writes, and not after it returns.
type RecordSource interface {
	Next(ctx context.Context) (*inventory.Record, error)
}

// ImportOptions tune ImportDevices.
type ImportOptions struct {
	// DryRun makes every decision and every write inside transactions that
	// are rolled back: the report is what a real run would do.
	DryRun bool
	// BatchSize is the number of rows per transaction; 0 means DefaultImportBatch.
	BatchSize int
	// Overwrite lets the import change attributes a person entered through
	// the API or the web console; by default those are kept.
	Overwrite bool
	// OnRow, when set, receives every row's outcome in file order, once the
	// row's batch is committed (in a dry run: decided).
	OnRow func(ImportRow)
	// OnProgress, when set, is called after each batch with the rows done.
	OnProgress func(rows int)
}

// ImportRow is the outcome of one row.
type ImportRow struct {
	Line   int
	Action ImportAction
	// Device is the device created, updated or matched; 0 when the row was
	// rejected or created in a dry run.
	Device core.DeviceID
	// Changed lists the attributes written (for a new device: those the
	// row gave), by their API names.
	Changed []string
	// Kept lists attributes the row would have changed but a person
	// entered through the API or UI; they were left as they are.
	Kept   []string
	Errors []inventory.RowError
}

// ImportSummary counts the rows by outcome and the records the import
// created (or would create) for the names rows referred to.
type ImportSummary struct {
	Rows, Created, Updated, Unchanged, Rejected                  int
	NewManufacturers, NewModels, NewReleases, NewSites, NewZones int
}

func (s ImportSummary) String() string {
	return fmt.Sprintf("created %d, updated %d, unchanged %d, rejected %d", s.Created, s.Updated, s.Unchanged, s.Rejected)
}

// ImportDevices upserts the devices src yields. Each row is matched to a
// stored device by asset tag, else serial, else MAC (docs/inventory-csv.md
// has the exact rules), merged, validated, and written; rows are committed
// in batches, each in one transaction. A row that cannot be imported is
// rejected and reported through OnRow; it never stops the other rows, and
// no row is ever half written. The error result is for what stops the
// whole import (the input cannot be read, the database fails, ctx ends);
// the batches committed before it stay committed, and the summary counts
// them.
func (s *Inventory) ImportDevices(ctx context.Context, src RecordSource, opt ImportOptions) (ImportSummary, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultImportBatch
	}
	if opt.BatchSize > MaxImportBatch {
		return ImportSummary{}, core.Invalid("batch", "must be at most %d", MaxImportBatch)
	}
	im := &importer{
		store:   s.store,
		src:     src,
		opt:     opt,
		now:     s.clock.Now(),
		touched: map[core.DeviceID]int{},
		refs:    newRefCache(),
	}
	stop := im.prefetch(ctx)
	defer stop()
	var err error
	if opt.DryRun {
		err = im.runDry(ctx)
	} else {
		err = im.run(ctx)
	}
	im.sum.NewManufacturers, im.sum.NewModels, im.sum.NewReleases, im.sum.NewSites, im.sum.NewZones = im.refs.createdCounts()
	return im.sum, err
}

// importer is the state of one import.
type importer struct {
	store core.Store
	src   RecordSource
	opt   ImportOptions
	now   time.Time

	batches <-chan batchRead // see prefetch
	eof     bool             // the last batch has been read

	// touched maps every device a row matched or created to that row's
	// line: a later row of the file that lands on the same device is a
	// duplicate. txTouched (stored devices) and txCreated (devices the
	// transaction created) hold the open transaction's entries until it
	// ends; see endTx.
	touched   map[core.DeviceID]int
	txTouched map[core.DeviceID]int
	txCreated map[core.DeviceID]int

	refs *refCache
	sum  ImportSummary
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run: roll back")

// batchRead is one batch from the reading goroutine.
type batchRead struct {
	recs []*inventory.Record
	err  error
	eof  bool
}

// prefetch reads the input on a goroutine of its own, one batch ahead, so
// that parsing the next batch overlaps with writing this one. The returned
// stop ends the goroutine and waits for it.
func (im *importer) prefetch(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan batchRead, 1)
	im.batches = ch
	go func() {
		defer close(ch)
		for {
			b := batchRead{recs: make([]*inventory.Record, 0, im.opt.BatchSize)}
			for len(b.recs) < im.opt.BatchSize {
				rec, err := im.src.Next(ctx)
				if errors.Is(err, io.EOF) {
					b.eof = true
					break
				}
				if err != nil {
					b.err = err
					break
				}
				b.recs = append(b.recs, rec)
			}
			select {
			case ch <- b:
			case <-ctx.Done():
				return
			}
			if b.err != nil || b.eof {
				return
			}
		}
	}()
	return func() {
		cancel()
		for range ch {
		}
	}
}

// read returns the next batch of rows, and any error that ended the input
// after them; at the end of the input it sets eof.
func (im *importer) read(ctx context.Context) ([]*inventory.Record, error) {
	b, ok := <-im.batches
	if !ok {
		// The reader stopped without a word: ctx ended.
		im.eof = true
		return nil, ctx.Err()
	}
	if b.eof || b.err != nil {
		im.eof = true
	}
	return b.recs, b.err
}

// run imports batch by batch, one transaction each.
func (im *importer) run(ctx context.Context) error {
	for !im.eof {
		batch, rerr := im.read(ctx)
		if len(batch) > 0 {
			if err := im.commitBatch(ctx, batch); err != nil {
				return err
			}
		}
		if rerr != nil {
			return rerr
		}
	}
	return nil
}

// runDry decides every row inside one transaction that is rolled back at
// the end, so that later rows see what earlier rows would have done, just
// as in a real run. Should a batch's write fail, that transaction is lost:
// the batch is retried row by row and the rest continues in a new one.
func (im *importer) runDry(ctx context.Context) error {
	for !im.eof {
		var failed []*inventory.Record
		err := im.store.InTx(ctx, func(inv core.Inventory) error {
			for !im.eof {
				batch, rerr := im.read(ctx)
				if len(batch) > 0 {
					res, err := im.apply(ctx, inv, batch)
					if err != nil {
						if rowLevel(err) {
							failed = batch
						}
						return err
					}
					im.emit(res)
					im.progress()
				}
				if rerr != nil {
					return rerr
				}
			}
			return errDryRun
		})
		im.endTx(false)
		if failed != nil {
			for _, rec := range failed {
				if err := im.single(ctx, rec); err != nil {
					return err
				}
			}
			im.progress()
			continue
		}
		if !errors.Is(err, errDryRun) {
			return err
		}
	}
	return nil
}

// commitBatch writes one batch in one transaction; when a write fails, it
// retries the batch's rows one by one so that the good ones are kept.
func (im *importer) commitBatch(ctx context.Context, batch []*inventory.Record) error {
	if !anyLive(batch) {
		res, _ := im.apply(ctx, nil, batch)
		im.emit(res)
		im.progress()
		return nil
	}
	var res []ImportRow
	err := im.store.InTx(ctx, func(inv core.Inventory) error {
		var err error
		res, err = im.apply(ctx, inv, batch)
		return err
	})
	if err == nil {
		im.endTx(true)
		im.emit(res)
		im.progress()
		return nil
	}
	im.endTx(false)
	if !rowLevel(err) {
		return err
	}
	for _, rec := range batch {
		if err := im.single(ctx, rec); err != nil {
			return err
		}
	}
	im.progress()
	return nil
}

// single imports one row in its own transaction (rolled back in a dry
// run); a row-level failure rejects the row with the store's message.
func (im *importer) single(ctx context.Context, rec *inventory.Record) error {
	var res []ImportRow
	err := im.store.InTx(ctx, func(inv core.Inventory) error {
		var err error
		res, err = im.apply(ctx, inv, []*inventory.Record{rec})
		if err == nil && im.opt.DryRun {
			return errDryRun
		}
		return err
	})
	im.endTx(err == nil)
	switch {
	case err == nil, errors.Is(err, errDryRun):
	case rowLevel(err):
		res = []ImportRow{{Line: rec.Line, Action: ImportRejected, Errors: []inventory.RowError{storeRowError(rec, err)}}}
	default:
		return err
	}
	im.emit(res)
	return nil
}

// endTx settles the per-transaction state once a transaction has ended.
// After a commit everything it did stands. After a rollback the records
// and devices it created are gone (and their ids may be handed out again),
// so they are forgotten; but in a dry run, which rolls back by design, the
// stored devices its rows matched stay matched, so that a later duplicate
// row is still caught.
func (im *importer) endTx(committed bool) {
	if committed || im.opt.DryRun {
		for id, line := range im.txTouched {
			im.touched[id] = line
		}
	}
	if committed {
		for id, line := range im.txCreated {
			im.touched[id] = line
		}
		im.refs.commit()
	} else {
		im.refs.rollback(im.opt.DryRun)
	}
	im.txTouched, im.txCreated = nil, nil
}

func (im *importer) emit(res []ImportRow) {
	for _, r := range res {
		im.sum.Rows++
		switch r.Action {
		case ImportCreated:
			im.sum.Created++
		case ImportUpdated:
			im.sum.Updated++
		case ImportUnchanged:
			im.sum.Unchanged++
		default:
			im.sum.Rejected++
		}
		if im.opt.OnRow != nil {
			im.opt.OnRow(r)
		}
	}
}

func (im *importer) progress() {
	if im.opt.OnProgress != nil {
		im.opt.OnProgress(im.sum.Rows)
	}
}

func anyLive(batch []*inventory.Record) bool {
	for _, r := range batch {
		if len(r.Errs) == 0 {
			return true
		}
	}
	return false
}

// rowLevel reports whether a store error is about the data of some row
// (retrying row by row will isolate it) rather than the database failing.
func rowLevel(err error) bool {
	switch core.KindOf(err) {
	case core.KindConflict, core.KindInvalid, core.KindPreconditionFailed, core.KindNotFound:
		return true
	}
	return false
}

// storeRowError turns a store's refusal of one row into the row's error.
func storeRowError(rec *inventory.Record, err error) inventory.RowError {
	msg := "the database refused the row"
	field := ""
	var ce *core.Error
	if errors.As(err, &ce) {
		msg, field = ce.Message, ce.Field
	}
	col := fieldColumn(field)
	name := ""
	if col >= 0 {
		name = rec.ColumnName(col)
	}
	return inventory.RowError{Line: rec.Line, Column: name, Message: msg}
}

// apply decides every row of batch against the stored devices and writes
// the result through inv. Rows the reader rejected stay rejected. An error
// means the batch could not be written and the transaction must roll back.
// inv may be nil when no row is live.
func (im *importer) apply(ctx context.Context, inv core.Inventory, batch []*inventory.Record) ([]ImportRow, error) {
	res := make([]ImportRow, len(batch))
	var keys core.DeviceKeys
	live := 0
	for i, rec := range batch {
		res[i].Line = rec.Line
		if len(rec.Errs) > 0 {
			res[i].Action, res[i].Errors = ImportRejected, rec.Errs
			continue
		}
		live++
		d := &rec.Device
		if d.AssetTag != "" {
			keys.AssetTags = append(keys.AssetTags, d.AssetTag)
		}
		if d.Serial != "" {
			keys.Serials = append(keys.Serials, d.Serial)
		}
		keys.MACs = append(keys.MACs, d.MACs...)
	}
	if live == 0 {
		return res, nil
	}
	stored, err := inv.FindDevices(ctx, keys)
	if err != nil {
		return nil, err
	}
	v := newView(stored, live, im.touched, im.txTouched, im.txCreated)
	touched := map[core.DeviceID]int{}
	var updates, creates []*vdev
	var createRows []int // index in res of each of creates
	for i, rec := range batch {
		if res[i].Action == ImportRejected {
			continue
		}
		target, rerr := v.match(rec)
		if rerr != nil {
			res[i].Action, res[i].Errors = ImportRejected, []inventory.RowError{*rerr}
			continue
		}
		var cur *core.Device
		if target != nil {
			cur = target.state()
		}
		next, changed, kept, rerr, err := im.merge(ctx, inv, rec, cur)
		if err != nil {
			return nil, err
		}
		res[i].Kept = kept
		if rerr != nil {
			res[i].Action, res[i].Errors = ImportRejected, []inventory.RowError{*rerr}
			continue
		}
		res[i].Changed = changed
		switch {
		case target == nil:
			res[i].Action = ImportCreated
			nd := &vdev{next: next, line: rec.Line}
			v.index(nd, next)
			creates = append(creates, nd)
			createRows = append(createRows, i)
		case len(changed) == 0:
			res[i].Action, res[i].Device = ImportUnchanged, cur.ID
			target.line = rec.Line
			touched[cur.ID] = rec.Line
		default:
			res[i].Action, res[i].Device = ImportUpdated, cur.ID
			v.unindex(target, cur)
			target.next, target.line = next, rec.Line
			v.index(target, next)
			// Always a stored device: one this batch created has its line
			// set, so a second row for it was rejected by match.
			updates = append(updates, target)
			touched[cur.ID] = rec.Line
		}
	}
	// Updates first, in file order: a row may take over a MAC an earlier
	// row's update released, and a new device may take one any update
	// released.
	for _, u := range updates {
		if err := inv.UpdateDevice(ctx, u.next); err != nil {
			return nil, err
		}
	}
	if len(creates) > 0 {
		ds := make([]*core.Device, len(creates))
		for i, c := range creates {
			ds[i] = c.next
		}
		if err := inv.CreateDevices(ctx, ds); err != nil {
			return nil, err
		}
	}
	// Only now, with every write done, does the transaction own the batch.
	if im.txTouched == nil {
		im.txTouched, im.txCreated = map[core.DeviceID]int{}, map[core.DeviceID]int{}
	}
	for id, line := range touched {
		im.txTouched[id] = line
	}
	for i, c := range creates {
		im.txCreated[c.next.ID] = c.line
		if !im.opt.DryRun {
			res[createRows[i]].Device = c.next.ID
		}
	}
	return res, nil
}

// rowError builds a row's error naming column c (or none when c < 0).
func rowError(rec *inventory.Record, c inventory.Column, format string, args ...any) *inventory.RowError {
	col := ""
	if c >= 0 {
		col = rec.ColumnName(c)
	}
	return &inventory.RowError{Line: rec.Line, Column: col, Message: fmt.Sprintf(format, args...)}
}

// --- matching

// vdev is one device as a batch sees it: as stored, and as the rows so far
// would leave it.
type vdev struct {
	stored *core.Device // as read; nil for a device this batch creates
	next   *core.Device // after this batch's rows; nil while untouched
	line   int          // the line of the row that matched or created it; 0: none yet
}

func (d *vdev) state() *core.Device {
	if d.next != nil {
		return d.next
	}
	return d.stored
}

func (d *vdev) describe() string {
	if d.stored == nil {
		return fmt.Sprintf("the device created from line %d", d.line)
	}
	return fmt.Sprintf("device %d", d.stored.ID)
}

// view indexes a batch's devices by their keys, kept current as rows are
// decided so that each row sees the effect of the rows before it.
type view struct {
	byTag    map[string]*vdev
	bySerial map[string][]*vdev
	byMAC    map[string]*vdev
}

// newView indexes the stored devices; rows is how many more the batch may add.
func newView(stored []*core.Device, rows int, touched ...map[core.DeviceID]int) *view {
	n := len(stored) + rows
	v := &view{
		byTag:    make(map[string]*vdev, n),
		bySerial: make(map[string][]*vdev, n),
		byMAC:    make(map[string]*vdev, n),
	}
	for _, d := range stored {
		line := 0
		for _, m := range touched {
			if l, ok := m[d.ID]; ok {
				line = l
				break
			}
		}
		v.index(&vdev{stored: d, line: line}, d)
	}
	return v
}

func (v *view) index(vd *vdev, d *core.Device) {
	if d.AssetTag != "" {
		v.byTag[d.AssetTag] = vd
	}
	if d.Serial != "" {
		v.bySerial[d.Serial] = append(v.bySerial[d.Serial], vd)
	}
	for _, m := range d.MACs {
		v.byMAC[m] = vd
	}
}

func (v *view) unindex(vd *vdev, d *core.Device) {
	if d.AssetTag != "" && v.byTag[d.AssetTag] == vd {
		delete(v.byTag, d.AssetTag)
	}
	if d.Serial != "" {
		l := v.bySerial[d.Serial]
		if i := slices.Index(l, vd); i >= 0 {
			l = slices.Delete(l, i, i+1)
		}
		if len(l) == 0 {
			delete(v.bySerial, d.Serial)
		} else {
			v.bySerial[d.Serial] = l
		}
	}
	for _, m := range d.MACs {
		if v.byMAC[m] == vd {
			delete(v.byMAC, m)
		}
	}
}

// match finds the device a row is about: the device with the row's asset
// tag; failing that, the one with its serial (for a row with an asset tag,
// only a device without one); failing that, the one holding its MACs. It
// rejects a row that is ambiguous, repeats a device an earlier row of the
// file matched, or would take a MAC from another device.
func (v *view) match(rec *inventory.Record) (*vdev, *inventory.RowError) {
	d := &rec.Device
	var target *vdev
	keyCol := inventory.ColAssetTag
	if d.AssetTag != "" {
		target = v.byTag[d.AssetTag]
	}
	if target == nil && d.Serial != "" {
		var cands []*vdev
		for _, c := range v.bySerial[d.Serial] {
			if d.AssetTag == "" || c.state().AssetTag == "" {
				cands = append(cands, c)
			}
		}
		switch len(cands) {
		case 0:
		case 1:
			target, keyCol = cands[0], inventory.ColSerial
		default:
			return nil, rowError(rec, inventory.ColSerial, "the serial matches %d devices (%s and %s); give the row an asset tag to say which",
				len(cands), cands[0].describe(), cands[1].describe())
		}
	}
	if target == nil && len(d.MACs) > 0 {
		var holder *vdev
		for _, m := range d.MACs {
			h := v.byMAC[m]
			if h == nil {
				continue
			}
			if holder != nil && h != holder {
				return nil, rowError(rec, inventory.ColMACs, "the MAC addresses belong to two devices (%s and %s)", holder.describe(), h.describe())
			}
			holder = h
		}
		if holder != nil {
			st := holder.state()
			switch {
			case d.AssetTag != "" && st.AssetTag != "":
				return nil, rowError(rec, inventory.ColMACs, "the MAC address belongs to %s, which has another asset tag", holder.describe())
			case d.Serial != "" && st.Serial != "" && st.Serial != d.Serial:
				return nil, rowError(rec, inventory.ColMACs, "the MAC address belongs to %s, which has another serial", holder.describe())
			}
			target, keyCol = holder, inventory.ColMACs
		}
	}
	if target != nil && target.line != 0 {
		return nil, rowError(rec, keyCol, "matches the same device as line %d: each device may appear once in a file", target.line)
	}
	for i, m := range d.MACs {
		if h := v.byMAC[m]; h != nil && h != target {
			what := "the MAC address"
			if len(d.MACs) > 1 {
				what = fmt.Sprintf("MAC address %d of %d", i+1, len(d.MACs))
			}
			return nil, rowError(rec, inventory.ColMACs, "%s already belongs to %s", what, h.describe())
		}
	}
	return target, nil
}

// --- merging

// personEntered reports whether an attribute's value was entered by a
// person (through the API or the web console). Imports keep those: a CMMS
// export that runs every night must not undo a correction an engineer made.
func personEntered(o core.Origin) bool {
	return o.Source == core.SourceAPI || o.Source == core.SourceUI
}

// merge applies the row's values to a copy of cur (nil: a new device) and
// returns it with the attributes it changed and those it kept. A row
// problem comes back as a *RowError; err is a store failure.
func (im *importer) merge(ctx context.Context, inv core.Inventory, rec *inventory.Record, cur *core.Device) (
	next *core.Device, changed, kept []string, rerr *inventory.RowError, err error) {
	next = &core.Device{}
	var prov core.Provenance // made once the changes are known, at its final size
	if cur != nil {
		next = cloneDevice(cur)
		prov = cur.Provenance
	}
	changed = make([]string, 0, len(core.DeviceAttributes))
	protected := func(attr string) bool {
		return cur != nil && !im.opt.Overwrite && personEntered(prov[attr])
	}
	set := func(attr string, differs bool, apply func()) {
		if !differs {
			return
		}
		if protected(attr) {
			kept = append(kept, attr)
			return
		}
		apply()
		changed = append(changed, attr)
	}
	r := &rec.Device
	has := rec.Has
	if has(inventory.ColAssetTag) {
		set("asset_tag", next.AssetTag != r.AssetTag, func() { next.AssetTag = r.AssetTag })
	}
	if has(inventory.ColSerial) {
		set("serial", next.Serial != r.Serial, func() { next.Serial = r.Serial })
	}
	if has(inventory.ColName) {
		set("name", next.Name != r.Name, func() { next.Name = r.Name })
	}
	if has(inventory.ColBuilding) || has(inventory.ColFloor) || has(inventory.ColDepartment) || has(inventory.ColRoom) {
		loc := next.Location
		if has(inventory.ColBuilding) {
			loc.Building = r.Location.Building
		}
		if has(inventory.ColFloor) {
			loc.Floor = r.Location.Floor
		}
		if has(inventory.ColDepartment) {
			loc.Department = r.Location.Department
		}
		if has(inventory.ColRoom) {
			loc.Room = r.Location.Room
		}
		set("location", loc != next.Location, func() { next.Location = loc })
	}
	if has(inventory.ColOwner) {
		set("owner", next.Owner != r.Owner, func() { next.Owner = r.Owner })
	}
	if has(inventory.ColLifecycle) {
		set("lifecycle", next.Lifecycle != r.Lifecycle, func() { next.Lifecycle = r.Lifecycle })
	}
	// The lists move from the record, which is not used again, to the device.
	if has(inventory.ColMACs) {
		set("macs", !slices.Equal(next.MACs, r.MACs), func() { next.MACs = r.MACs })
	}
	if has(inventory.ColIPs) {
		set("ips", !slices.Equal(next.IPs, r.IPs), func() { next.IPs = r.IPs })
	}
	if has(inventory.ColHostnames) {
		set("hostnames", !slices.Equal(next.Hostnames, r.Hostnames), func() { next.Hostnames = r.Hostnames })
	}
	if has(inventory.ColAETitles) {
		set("ae_titles", !slices.Equal(next.AETitles, r.AETitles), func() { next.AETitles = r.AETitles })
	}
	if has(inventory.ColHL7) {
		set("hl7", !slices.Equal(next.HL7, r.HL7), func() { next.HL7 = r.HL7 })
	}
	if has(inventory.ColUDI) {
		set("udi", next.UDI != r.UDI, func() { next.UDI = r.UDI })
	}
	if has(inventory.ColNotes) {
		set("notes", next.Notes != r.Notes, func() { next.Notes = r.Notes })
	}

	// References: resolve names to ids, creating what is missing, unless
	// the attribute is a person's, when a missing record is not created.
	refs := im.refs
	modelBefore, siteBefore := next.ModelID, next.SiteID
	if has(inventory.ColModel) {
		id, err := refs.model(ctx, inv, im.now, rec, !protected("model_id"))
		if err != nil {
			return nil, nil, kept, refRowError(rec, err), storeErr(err)
		}
		// id 0: the model does not exist (and was not created, the
		// attribute being a person's), so it differs from any value.
		set("model_id", id == 0 || id != next.ModelID, func() { next.ModelID = id })
	}
	if has(inventory.ColSoftwareVersion) {
		if next.ModelID == 0 {
			return nil, nil, kept, rowError(rec, inventory.ColSoftwareVersion,
				"a software version needs the device's model: give manufacturer and model columns"), nil
		}
		id, err := refs.release(ctx, inv, im.now, next.ModelID, rec.SoftwareVersion, !protected("release_id"))
		if err != nil {
			return nil, nil, kept, refRowError(rec, err), storeErr(err)
		}
		set("release_id", id == 0 || id != next.ReleaseID, func() { next.ReleaseID = id })
	} else if next.ModelID != modelBefore && next.ReleaseID != 0 {
		// The old model's release cannot stay on a device of another model.
		set("release_id", true, func() { next.ReleaseID = 0 })
	}
	if has(inventory.ColSite) {
		id, err := refs.site(ctx, inv, im.now, rec.Site, !protected("site_id"))
		if err != nil {
			return nil, nil, kept, refRowError(rec, err), storeErr(err)
		}
		set("site_id", id == 0 || id != next.SiteID, func() { next.SiteID = id })
	}
	if has(inventory.ColZone) {
		if next.SiteID == 0 {
			return nil, nil, kept, rowError(rec, inventory.ColZone, "a zone belongs to a site: give the site column too"), nil
		}
		id, err := refs.zone(ctx, inv, im.now, next.SiteID, rec.Zone, !protected("zone_id"))
		if err != nil {
			return nil, nil, kept, refRowError(rec, err), storeErr(err)
		}
		set("zone_id", id == 0 || id != next.ZoneID, func() { next.ZoneID = id })
	} else if next.SiteID != siteBefore && next.ZoneID != 0 {
		set("zone_id", true, func() { next.ZoneID = 0 })
	}

	if len(changed) == 0 && cur != nil {
		// Nothing to write, so nothing to check: a device stored under
		// older rules is not rejected for a row that agrees with it.
		return cur, nil, kept, nil, nil
	}
	if err := next.Validate(); err != nil {
		return nil, nil, kept, validationRowError(rec, err), nil
	}
	if err := CheckDeviceRefs(ctx, cachedRefs{inv, refs}, next); err != nil {
		if core.IsKind(err, core.KindInvalid) {
			return nil, nil, kept, validationRowError(rec, err), nil
		}
		return nil, nil, kept, nil, err
	}
	p := make(core.Provenance, len(prov)+len(changed))
	for k, o := range prov {
		p[k] = o
	}
	p.Set(core.SourceImport, im.now, changed...)
	next.Provenance = p
	return next, changed, kept, nil, nil
}

func cloneDevice(d *core.Device) *core.Device {
	c := *d
	c.MACs = slices.Clone(d.MACs)
	c.IPs = slices.Clone(d.IPs)
	c.Hostnames = slices.Clone(d.Hostnames)
	c.AETitles = slices.Clone(d.AETitles)
	c.HL7 = slices.Clone(d.HL7)
	return &c
}

// refRowError is the row error for a record the row names that could not
// be created (its name is invalid); nil when err is a store failure.
func refRowError(rec *inventory.Record, err error) *inventory.RowError {
	var re *badRefName
	if errors.As(err, &re) {
		return rowError(rec, re.col, "%s", re.msg)
	}
	return nil
}

// storeErr passes on store failures and drops badRefNames, which the row reports.
func storeErr(err error) error {
	var re *badRefName
	if errors.As(err, &re) {
		return nil
	}
	return err
}

// validationRowError reports the first failed field of a validation error
// under its CSV column. List entries are named by position, not value.
func validationRowError(rec *inventory.Record, err error) *inventory.RowError {
	var ce *core.Error
	if !errors.As(err, &ce) {
		return rowError(rec, -1, "the row is not a valid device")
	}
	if len(ce.Fields) == 0 {
		return rowError(rec, fieldColumn(ce.Field), "%s", ce.Message)
	}
	f := ce.Fields[0]
	msg := f.Message
	if i := strings.IndexByte(f.Field, '['); i >= 0 {
		// Core's messages for list entries quote the value; name its place.
		n, _ := strconv.Atoi(f.Field[i+1 : i+strings.IndexByte(f.Field[i:], ']')])
		msg = "entry " + strconv.Itoa(n+1) + " is not valid"
	}
	return rowError(rec, fieldColumn(f.Field), "%s", msg)
}

// fieldColumn maps a device field name (as in validation errors) to the
// CSV column it comes from; -1 when none does.
func fieldColumn(field string) inventory.Column {
	switch field {
	case "location.building":
		return inventory.ColBuilding
	case "location.floor":
		return inventory.ColFloor
	case "location.department":
		return inventory.ColDepartment
	case "location.room":
		return inventory.ColRoom
	}
	if i := strings.IndexAny(field, "[."); i >= 0 {
		field = field[:i]
	}
	switch field {
	case "model_id":
		return inventory.ColModel
	case "release_id":
		return inventory.ColSoftwareVersion
	case "site_id":
		return inventory.ColSite
	case "zone_id":
		return inventory.ColZone
	case "hl7":
		return inventory.ColHL7
	}
	if c, ok := inventory.ParseColumn(field); ok {
		return c
	}
	return -1
}
