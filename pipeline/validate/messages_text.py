"""The texts of the problem catalogue: ``key -> (Indonesian, English)`` templates.

Keys are ``code`` or ``code:variant``; ``pipeline.validate.messages`` fills them.  ``{value}``
arrives already quoted.  Written for a clerk: say where, what was found, what to change.
"""

from __future__ import annotations

from pipeline.core.models import Message

_SAVE_UTF8 = (
    "Buka berkas di Excel, pilih Simpan Sebagai, lalu pilih jenis \"CSV UTF-8 (dipisahkan koma)\".",
    "Open the file in Excel, choose Save As, then choose the type \"CSV UTF-8 (Comma delimited)\".",
)

CATALOGUE: dict[str, tuple[str, str]] = {
    # --- cell types -------------------------------------------------------------------
    "type-error:integer": (
        "Kolom {field} berisi {value}, padahal harus bilangan bulat. Tulis bilangan bulat tanpa titik atau koma, misalnya 1250.",
        "Column {field} contains {value} but must be a whole number. Write a whole number without dots or commas, for example 1250.",
    ),
    "type-error:number": (
        "Kolom {field} berisi {value}, padahal harus angka. Tulis angka tanpa pemisah ribuan, dengan titik sebagai tanda desimal, misalnya 3.45 atau 12.",
        "Column {field} contains {value} but must be a number. Write the number without thousands separators, with a point as the decimal mark, for example 3.45 or 12.",
    ),
    "type-error:number-special": (
        "Kolom {field} berisi {value}, yang bukan angka biasa. Tulis angka, misalnya 3.45, atau kosongkan sel bila kolom ini tidak wajib.",
        "Column {field} contains {value}, which is not an ordinary number. Write a number such as 3.45, or leave the cell empty if the column is optional.",
    ),
    "type-error:date": (
        "Kolom {field} berisi {value}, padahal harus tanggal yang ada di kalender dengan format TAHUN-BULAN-HARI, misalnya 2026-10-14.",
        "Column {field} contains {value} but must be a real calendar date written as YEAR-MONTH-DAY, for example 2026-10-14.",
    ),
    "type-error:time": (
        "Kolom {field} berisi {value}, padahal harus jam dengan format JJ:MM (24 jam), misalnya 09:30 atau 14:00.",
        "Column {field} contains {value} but must be a time written as HH:MM (24-hour clock), for example 09:30 or 14:00.",
    ),
    "type-error:boolean": (
        "Kolom {field} berisi {value}, padahal harus true (ya) atau false (tidak).",
        "Column {field} contains {value} but must be true or false.",
    ),
    "type-error": (
        "Kolom {field} berisi {value}, yang tidak sesuai dengan jenis isian kolom ini ({type}).",
        "Column {field} contains {value}, which does not match the column's type ({type}).",
    ),
    # --- constraints ------------------------------------------------------------------
    "constraint-error:required": (
        "Kolom {field} wajib diisi, tetapi sel ini kosong. Isi sel ini, misalnya {example}.",
        "Column {field} is required but this cell is empty. Fill it in, for example {example}.",
    ),
    "constraint-error:minimum": (
        "Kolom {field} berisi {value}, padahal nilai terkecil yang boleh adalah {limit}. Periksa kembali angkanya.",
        "Column {field} contains {value} but the smallest value allowed is {limit}. Check the figure.",
    ),
    "constraint-error:maximum": (
        "Kolom {field} berisi {value}, padahal nilai terbesar yang boleh adalah {limit}. Periksa kembali angkanya.",
        "Column {field} contains {value} but the largest value allowed is {limit}. Check the figure.",
    ),
    "constraint-error:pattern": (
        "Kolom {field} berisi {value}, yang tidak sesuai bentuk yang ditentukan: {rule}. Perbaiki isinya.",
        "Column {field} contains {value}, which is not in the required form: {rule}. Correct it.",
    ),
    "constraint-error:enum": (
        "Kolom {field} berisi {value}, yang bukan salah satu pilihan. Tulis salah satu dari: {allowed} (huruf kecil, persis seperti tertulis).",
        "Column {field} contains {value}, which is not one of the choices. Write one of: {allowed} (lowercase, exactly as written).",
    ),
    "constraint-error:maxLength": (
        "Kolom {field} berisi {length} karakter, padahal paling banyak {limit} karakter. Persingkat isinya.",
        "Column {field} has {length} characters but at most {limit} are allowed. Shorten it.",
    ),
    "constraint-error:minLength": (
        "Kolom {field} berisi {length} karakter, padahal paling sedikit {limit} karakter.",
        "Column {field} has {length} characters but at least {limit} are required.",
    ),
    "constraint-error": (
        "Kolom {field} berisi {value}, yang tidak memenuhi aturan kolom ini ({rule}).",
        "Column {field} contains {value}, which breaks the column's rule ({rule}).",
    ),
    "primary-key": (
        "Baris ini mengulang {key} {shown}, yang sudah ada di baris {other}. Setiap {key} hanya boleh muncul sekali dalam berkas; hapus baris ganda atau gabungkan isinya.",
        "This row repeats the {key} {shown} already used in row {other}. Each {key} may appear only once in the file; delete the duplicate row or merge the two.",
    ),
    "primary-key:empty": (
        "Kolom kunci {key} pada baris ini kosong. Isi kolom tersebut.",
        "The key columns {key} are empty in this row. Fill them in.",
    ),
    "unique-error": (
        "Kolom {field} berisi {value}, yang sudah dipakai di baris {other}. Isi kolom ini harus berbeda di setiap baris.",
        "Column {field} contains {value}, already used in row {other}. Each row needs a different value in this column.",
    ),
    "table-error": (
        "Masalah pada baris ini: {note}. Periksa isi baris ini.",
        "Problem in this row: {note}. Check the row.",
    ),
    # --- header and rows --------------------------------------------------------------
    "missing-label": (
        "Kolom wajib {field} tidak ada di baris judul (baris 1). Tambahkan kolom berjudul {field}; gunakan templat agar semua kolom lengkap.",
        "The required column {field} is missing from the header row (row 1). Add a column headed {field}; use the template to get every column.",
    ),
    "duplicate-label": (
        "Judul kolom {value} di kolom {column} sudah dipakai di kolom {first}. Hapus salah satu kolom tersebut.",
        "The column heading {value} in column {column} is already used in column {first}. Delete one of the two columns.",
    ),
    "extra-label": (
        "Judul kolom {value} di kolom {column} tidak dikenal. Hapus kolom ini atau perbaiki judulnya. Judul yang boleh: {allowed}.",
        "The column heading {value} in column {column} is not known. Delete the column or correct its heading. Allowed headings: {allowed}.",
    ),
    "extra-label:suggest": (
        "Judul kolom {value} di kolom {column} tidak dikenal. Mungkin maksudnya {suggestion}? Perbaiki judulnya atau hapus kolom ini.",
        "The column heading {value} in column {column} is not known. Did you mean {suggestion}? Correct the heading or delete the column.",
    ),
    "blank-label": (
        "Kolom {column} berisi data tetapi tidak berjudul di baris 1. Beri judul yang benar atau hapus kolom ini.",
        "Column {column} holds data but has no heading in row 1. Give it the right heading or delete the column.",
    ),
    "missing-cell": (
        "Baris ini hanya berisi {found} sel, padahal baris judul berisi {expected} kolom, sehingga sel kolom {field} tidak ada. Periksa pemisah kolom ({delimiter}) pada baris ini.",
        "This row has only {found} cells while the header has {expected} columns, so the cell for column {field} is missing. Check the column separators ({delimiter}) in this row.",
    ),
    "extra-cell": (
        "Baris ini berisi {found} sel, lebih banyak dari {expected} kolom di baris judul; sel kelebihan berisi {value}. Periksa pemisah kolom ({delimiter}); teks yang memuat {delimiter} harus diapit tanda petik (\").",
        "This row has {found} cells, more than the {expected} columns of the header; the extra cell holds {value}. Check the column separators ({delimiter}); text containing {delimiter} must be enclosed in double quotes (\").",
    ),
    "blank-row": (
        "Baris ini kosong di tengah tabel. Hapus baris kosong ini.",
        "This row is empty in the middle of the table. Delete the empty row.",
    ),
    "no-rows": (
        "Berkas kinerja hanya berisi baris judul tanpa data. Laporan kinerja wajib berisi satu baris untuk setiap layanan instansi; isi datanya lalu kirim kembali.",
        "The performance file has a header row but no data. The performance report needs one row for each of the agency's services; fill in the data and send it again.",
    ),
    # --- whole file -------------------------------------------------------------------
    "empty-file:zero": (
        "Berkas kosong (0 byte). Isi templat {table} lalu kirim kembali.",
        "The file is empty (0 bytes). Fill in the {table} template and send it again.",
    ),
    "empty-file:no-header": (
        "Baris 1 berkas ini kosong; judul kolom harus berada di baris 1. Gunakan templat {table}: judul kolom di baris 1, data mulai baris 2.",
        "Row 1 of this file is empty; the column headings must be in row 1. Use the {table} template: headings in row 1, data from row 2.",
    ),
    "encoding-error": (
        "Berkas tidak dapat dibaca sebagai teks UTF-8 maupun Windows-1252 (huruf yang tidak dikenal di baris {line}). " + _SAVE_UTF8[0],
        "The file cannot be read as UTF-8 or Windows-1252 text (unknown characters on line {line}). " + _SAVE_UTF8[1],
    ),
    "encoding-error:utf16": (
        "Berkas disimpan sebagai \"Unicode Text\" (UTF-16), yang tidak diterima. " + _SAVE_UTF8[0],
        "The file was saved as \"Unicode Text\" (UTF-16), which is not accepted. " + _SAVE_UTF8[1],
    ),
    "encoding-error:mixed": (
        "Berkas mencampur dua pengodean huruf (UTF-8 dan lainnya), sehingga sebagian huruf akan rusak (baris {line}). " + _SAVE_UTF8[0],
        "The file mixes two character encodings (UTF-8 and another), so some letters would be garbled (line {line}). " + _SAVE_UTF8[1],
    ),
    "encoding-converted": (
        "Berkas disimpan dengan pengodean Windows-1252, bukan UTF-8. Isinya sudah dibaca dengan benar, tetapi untuk pengiriman berikutnya: " + _SAVE_UTF8[0],
        "The file was saved in the Windows-1252 encoding, not UTF-8. It was read correctly, but next time: " + _SAVE_UTF8[1],
    ),
    "not-a-csv:xlsx": (
        "Berkas ini sebenarnya buku kerja Excel (.xlsx) yang diberi nama .csv. Ganti nama berkas menjadi {table}.xlsx, atau buka di Excel lalu simpan sebagai CSV UTF-8 dengan nama {table}.csv.",
        "This file is really an Excel workbook (.xlsx) named .csv. Rename it to {table}.xlsx, or open it in Excel and save it as CSV UTF-8 named {table}.csv.",
    ),
    "not-a-csv:xls": (
        "Berkas ini buku kerja Excel lama (.xls), bukan CSV. Buka di Excel lalu simpan sebagai Buku Kerja Excel (.xlsx) dengan nama {table}.xlsx, atau sebagai CSV UTF-8 dengan nama {table}.csv.",
        "This file is an old Excel workbook (.xls), not CSV. Open it in Excel and save it as an Excel Workbook (.xlsx) named {table}.xlsx, or as CSV UTF-8 named {table}.csv.",
    ),
    "not-a-csv:zip": (
        "Berkas ini arsip terkompresi (ZIP), bukan CSV. Ekstrak isinya dan kirim berkas {table}.csv saja.",
        "This file is a compressed archive (ZIP), not CSV. Extract it and send only the file {table}.csv.",
    ),
    "not-a-csv:pdf": (
        "Berkas ini dokumen PDF, bukan CSV. Kirim data dalam templat {table} yang disimpan sebagai CSV UTF-8 ({table}.csv) atau Excel ({table}.xlsx).",
        "This file is a PDF document, not CSV. Send the data in the {table} template saved as CSV UTF-8 ({table}.csv) or Excel ({table}.xlsx).",
    ),
    "not-a-csv:binary": (
        "Berkas ini bukan teks CSV (isinya data biner yang tidak dapat dibaca). Isi templat {table} di Excel lalu simpan sebagai CSV UTF-8 dengan nama {table}.csv.",
        "This file is not CSV text (it holds unreadable binary data). Fill in the {table} template in Excel and save it as CSV UTF-8 named {table}.csv.",
    ),
    "not-an-xlsx": (
        "Berkas tidak dapat dibuka sebagai buku kerja Excel (.xlsx); mungkin rusak atau dilindungi kata sandi. Simpan ulang dari Excel sebagai .xlsx tanpa kata sandi, atau sebagai CSV UTF-8 dengan nama {table}.csv.",
        "The file cannot be opened as an Excel workbook (.xlsx); it may be damaged or password-protected. Save it again from Excel as .xlsx without a password, or as CSV UTF-8 named {table}.csv.",
    ),
    "not-an-xlsx:text": (
        "Berkas ini berisi teks, bukan buku kerja Excel. Bila isinya CSV, ganti nama berkas menjadi {table}.csv.",
        "This file holds text, not an Excel workbook. If it is CSV, rename it to {table}.csv.",
    ),
    "delimiter-error": (
        "Kolom di baris judul tidak dipisahkan dengan koma (,) atau titik koma (;){found}. Simpan berkas sebagai CSV dengan pemisah koma atau titik koma.",
        "The header row's columns are not separated by commas (,) or semicolons (;){found}. Save the file as CSV separated by commas or semicolons.",
    ),
    "malformed-csv": (
        "Tanda petik (\") mulai baris {row} tidak ditutup dengan benar, sehingga berkas tidak dapat dibaca. Teks yang diapit tanda petik harus ditutup dengan tanda petik, dan tanda petik di dalam teks ditulis dua kali (\"\").",
        "A double quote (\") from row {row} on is not closed properly, so the file cannot be read. Quoted text must end with a quote, and a quote inside the text is written twice (\"\").",
    ),
    "file-too-large": (
        "Ukuran berkas {size_mb} MB melebihi batas {limit_mb} MB, sehingga tidak diperiksa. Kirim hanya data satu bulan untuk instansi Anda; hapus lembar, baris atau kolom lain yang tidak diperlukan.",
        "The file is {size_mb} MB, above the {limit_mb} MB limit, so it was not checked. Send only one month of your agency's data; remove other sheets, rows or columns.",
    ),
    "unreadable-file": (
        "Berkas tidak dapat dibaca dari disk ({detail}). Simpan ulang berkas dari templat sebagai CSV UTF-8 lalu kirim kembali; bila tetap gagal, hubungi petugas data MPP.",
        "The file could not be read from the disk ({detail}). Save it again from the template as CSV UTF-8 and resend it; if it still fails, contact the mall's data officer.",
    ),
    # --- run safety: a bug in the pipeline, not in the file ---------------------------
    "internal-error": (
        "Berkas ini tidak dapat diperiksa karena terjadi kesalahan pada sistem pengolah data (pipeline) itu sendiri, bukan pada berkas Anda. Petugas data MPP sudah diberi tahu. Berkas tidak perlu diubah atau dikirim ulang; berkas akan diperiksa kembali setelah kesalahan itu diperbaiki.",
        "This file could not be checked because of an error in the data-processing system (the pipeline) itself, not in your file. The mall's data officer has been told. There is no need to change or resend the file; it will be checked again once the error is fixed.",
    ),
    # --- folder layout ----------------------------------------------------------------
    "layout-error:bad-period": (
        "Folder periode {value} tidak sah. Nama folder periode harus TAHUN-BULAN, dengan tahun 2000 sampai 2099 dan bulan dua angka 01 sampai 12, misalnya 2026-10.",
        "The period folder {value} is not valid. A period folder is named YEAR-MONTH, with a year from 2000 to 2099 and a two-digit month from 01 to 12, for example 2026-10.",
    ),
    "layout-error:unknown-agency": (
        "Folder instansi {value} tidak dikenal. Nama folder harus kode instansi yang terdaftar di daftar instansi, misalnya {example}.",
        "The agency folder {value} is not known. The folder must be named after an agency code listed in the agencies table, for example {example}.",
    ),
    "layout-error:unknown-file": (
        "Berkas {value} tidak dikenal. Di folder instansi hanya boleh ada agendas, decisions dan performance, masing-masing sebagai .csv atau .xlsx (misalnya performance.csv).",
        "The file {value} is not expected. An agency folder may hold only agendas, decisions and performance, each as .csv or .xlsx (for example performance.csv).",
    ),
    "layout-error:stray-file": (
        "Berkas {value} berada di tempat yang salah. Berkas dikirim ke submissions/TAHUN-BULAN/kode_instansi/, misalnya submissions/2026-10/disdukcapil/performance.csv.",
        "The file {value} is in the wrong place. Files go in submissions/YEAR-MONTH/agency_code/, for example submissions/2026-10/disdukcapil/performance.csv.",
    ),
    "layout-error:stray-folder": (
        "Folder {value} tidak diharapkan di dalam folder instansi. Simpan berkas langsung di folder instansi, tanpa subfolder.",
        "The folder {value} is not expected inside an agency folder. Put the files directly in the agency folder, without subfolders.",
    ),
    "layout-error:duplicate-format": (
        "Ada {table}.csv dan {table}.xlsx sekaligus; yang diperiksa hanya {table}.csv. Kirim satu berkas saja untuk setiap tabel dan hapus {table}.xlsx.",
        "Both {table}.csv and {table}.xlsx were sent; only {table}.csv was checked. Send one file per table and remove {table}.xlsx.",
    ),
    # --- cross-table rules: performance -----------------------------------------------
    "period-mismatch": (
        "Kolom period berisi {value}, padahal berkas ini ada di folder periode {period}. Tulis {period} di setiap baris, atau kirim berkas ke folder periode yang benar.",
        "Column period contains {value} but the file is in the period folder {period}. Write {period} on every row, or send the file to the right period folder.",
    ),
    "agency-mismatch": (
        "Kolom agency_code berisi {value}, padahal berkas ini ada di folder instansi {agency}. Tulis {agency} di setiap baris.",
        "Column agency_code contains {value} but the file is in the agency folder {agency}. Write {agency} on every row.",
    ),
    "unknown-service": (
        "Kode layanan {value} tidak terdaftar di daftar layanan. Gunakan kode layanan instansi Anda: {allowed}.",
        "The service code {value} is not listed in the services table. Use one of your agency's service codes: {allowed}.",
    ),
    "service-agency-mismatch": (
        "Layanan {value} terdaftar sebagai layanan {owner}, bukan {agency}. Laporkan hanya layanan instansi Anda: {allowed}.",
        "The service {value} is listed as a service of {owner}, not {agency}. Report only your agency's services: {allowed}.",
    ),
    "completed-within-standard-exceeds-completed": (
        "Kolom completed_within_standard berisi {found}, lebih besar dari applications_completed ({completed}). Permohonan yang selesai sesuai standar waktu tidak mungkin lebih banyak dari seluruh permohonan selesai; periksa kedua angka.",
        "Column completed_within_standard contains {found}, more than applications_completed ({completed}). Applications completed within the standard time cannot outnumber all completed applications; check both figures.",
    ),
    "survey-incomplete": (
        "Kolom {empty} kosong, padahal survey_respondents berisi {respondents}. Bila ada responden survei, kesembilan unsur u1 sampai u9 wajib diisi dengan nilai 1 sampai 4.",
        "Column(s) {empty} empty but survey_respondents is {respondents}. When there are survey respondents, all nine elements u1 to u9 must be filled in with values from 1 to 4.",
    ),
    "survey-unexpected": (
        "Kolom {filled} diisi, padahal survey_respondents {respondents}. Isi survey_respondents dengan jumlah responden, atau kosongkan u1 sampai u9 bila tidak ada survei.",
        "Column(s) {filled} filled in but survey_respondents {respondents}. Fill in survey_respondents with the number of respondents, or leave u1 to u9 empty when there was no survey.",
    ),
    "completed-exceeds-received": (
        "Permohonan selesai ({found}) lebih banyak dari permohonan diterima ({received}). Hal ini wajar bila ada tunggakan bulan sebelumnya yang diselesaikan bulan ini; data tetap diterbitkan. Periksa kembali bila bukan itu sebabnya.",
        "Applications completed ({found}) exceed applications received ({received}). This is normal when a backlog from earlier months was cleared; the data is published. Check the figures if that is not the reason.",
    ),
    "resolved-exceeds-received": (
        "Pengaduan yang ditindaklanjuti ({found}) lebih banyak dari pengaduan diterima ({received}). Hal ini wajar bila ada pengaduan bulan sebelumnya yang diselesaikan bulan ini; data tetap diterbitkan. Periksa kembali bila bukan itu sebabnya.",
        "Complaints resolved ({found}) exceed complaints received ({received}). This is normal when earlier complaints were resolved this month; the data is published. Check the figures if that is not the reason.",
    ),
    "long-wait": (
        "Rata-rata waktu tunggu {found} menit, lebih dari 480 menit (8 jam). Data tetap diterbitkan; pastikan angkanya dalam menit, bukan detik.",
        "The average waiting time is {found} minutes, more than 480 minutes (8 hours). The data is published; make sure the figure is in minutes, not seconds.",
    ),
    # --- cross-table rules: agendas ---------------------------------------------------
    "end-before-start": (
        "Jam selesai (end_time {value}) lebih awal dari jam mulai (start_time {start}). Periksa kedua jam dan gunakan format 24 jam, misalnya 14:00 untuk pukul dua siang.",
        "The end time (end_time {value}) is before the start time (start_time {start}). Check both times and use the 24-hour clock, for example 14:00 for 2 pm.",
    ),
    "unknown-participant": (
        "Kolom participants memuat kode instansi {listed} yang tidak terdaftar di daftar instansi.{suggestion} Tulis kode instansi yang terdaftar, dipisahkan titik koma, misalnya disdukcapil;dpmptsp.",
        "Column participants holds the agency code {listed}, which is not listed.{suggestion} Write listed agency codes separated by semicolons, for example disdukcapil;dpmptsp.",
    ),
    "held-after-period": (
        "Agenda berstatus held (sudah dilaksanakan), tetapi tanggalnya {date}, sesudah akhir periode {period}. Agenda yang belum terjadi berstatus planned; perbaiki status atau tanggalnya.",
        "The meeting has status held, but its date {date} is after the end of the period {period}. A meeting that has not happened yet is planned; correct the status or the date.",
    ),
    "planned-before-period": (
        "Agenda berstatus planned (direncanakan), tetapi tanggalnya {date}, sebelum awal periode {period}. Bila agenda sudah dilaksanakan, ubah status menjadi held; bila ditunda atau batal, gunakan postponed atau cancelled.",
        "The meeting has status planned, but its date {date} is before the start of the period {period}. If it took place, change the status to held; if it was postponed or cancelled, say so.",
    ),
    # --- attendance (agendas.attendees, contract revision 2) ---------------------------
    "unknown-attendee": (
        "Kolom attendees memuat kode instansi {listed} yang tidak terdaftar di daftar instansi.{suggestion} Tulis kode instansi yang hadir, dipisahkan titik koma, misalnya dpmptsp;disdukcapil.",
        "Column attendees holds the agency code {listed}, which is not listed.{suggestion} Write the codes of the agencies that came, separated by semicolons, for example dpmptsp;disdukcapil.",
    ),
    "attendees-not-held": (
        "Kolom attendees diisi {value}, tetapi status agenda ini {status}. Daftar hadir hanya diisi untuk agenda yang sudah dilaksanakan (held); ubah statusnya menjadi held bila agenda sudah terlaksana, atau kosongkan kolom attendees.",
        "Column attendees holds {value}, but the meeting's status is {status}. Attendance is only given for a meeting that took place (held); change the status to held if it did, or empty the attendees cell.",
    ),
    "attendee-not-invited": (
        "Instansi {listed} tercatat hadir, tetapi tidak ada di kolom participants (instansi yang diundang). Data tetap diterbitkan; bila instansi itu memang diundang, tambahkan kodenya ke participants.",
        "The agency {listed} is listed as present but not in participants (the agencies invited). The data is published; if the agency was invited, add its code to participants.",
    ),
    # --- cross-table rules: decisions -------------------------------------------------
    "date-after-period": (
        "Tanggal keputusan {value} sesudah akhir periode {period}. Keputusan dilaporkan pada periode saat diambil atau sesudahnya; perbaiki tanggalnya atau kirim pada periode yang benar.",
        "The decision date {value} is after the end of the period {period}. A decision is reported in the period it was taken or later; correct the date or send it for the right period.",
    ),
    "unknown-agenda": (
        "Kolom agenda_id berisi {value}, tetapi agenda itu tidak ada di agendas bulan ini maupun di agenda instansi Anda yang sudah diterima sebelumnya. Periksa kodenya, kirim agendanya di agendas.csv, atau kosongkan kolom ini.",
        "Column agenda_id contains {value}, but no such agenda is in this month's agendas or in your agency's earlier accepted agendas. Check the code, send the agenda in agendas.csv, or leave the column empty.",
    ),
    "unknown-responsible": (
        "Kolom responsible memuat kode instansi {listed} yang tidak terdaftar di daftar instansi.{suggestion} Tulis kode instansi yang terdaftar, dipisahkan titik koma, misalnya dpmptsp;disdukcapil.",
        "Column responsible holds the agency code {listed}, which is not listed.{suggestion} Write listed agency codes separated by semicolons, for example dpmptsp;disdukcapil.",
    ),
    "due-before-date": (
        "Tenggat (due_date {value}) lebih awal dari tanggal keputusan ({date}). Tenggat tidak boleh sebelum tanggal keputusan.",
        "The due date (due_date {value}) is before the decision date ({date}). The due date may not be before the decision date.",
    ),
    "completed-on-missing": (
        "Status keputusan done (selesai), tetapi completed_on kosong. Isi tanggal penyelesaian, misalnya {example}.",
        "The decision's status is done, but completed_on is empty. Fill in the completion date, for example {example}.",
    ),
    "completed-on-unexpected": (
        "Kolom completed_on berisi {value}, padahal status {status}, bukan done. Kosongkan completed_on, atau ubah status menjadi done bila tindak lanjut sudah selesai.",
        "Column completed_on contains {value} but the status is {status}, not done. Leave completed_on empty, or change the status to done if the follow-up is finished.",
    ),
    "completed-on-before-date": (
        "Tanggal selesai (completed_on {value}) lebih awal dari tanggal keputusan ({date}). Periksa kedua tanggal.",
        "The completion date (completed_on {value}) is before the decision date ({date}). Check both dates.",
    ),
    "completed-on-after-period": (
        "Tanggal selesai (completed_on {value}) sesudah akhir periode {period}. Laporkan penyelesaian pada periode saat benar-benar selesai.",
        "The completion date (completed_on {value}) is after the end of the period {period}. Report the completion in the period it actually happened.",
    ),
    # --- reference status (warning) --------------------------------------------------
    "period-before-joined": (
        "Periode {period} lebih awal dari tanggal instansi {agency} bergabung di MPP ({joined}). Berkas tetap diperiksa; periksa folder periodenya, atau minta petugas data memperbaiki tanggal bergabung.",
        "The period {period} is before the agency {agency} joined the mall ({joined}). The file was still checked; check the period folder, or ask the data officer to correct the joining date.",
    ),
    # --- input safety: links, special files, limits, long reports -------------------------
    "layout-error:symlink": (
        "{value} adalah tautan (symbolic link) ke berkas atau folder lain, bukan berkas atau folder yang sebenarnya, sehingga tidak dibaca. Simpan berkas atau folder aslinya di tempat ini, bukan tautannya.",
        "{value} is a link (symbolic link) to another file or folder, not the real file or folder, so it was not read. Put the real file or folder here, not a link to it.",
    ),
    "layout-error:hardlink": (
        "{value} adalah tautan keras (hard link): berkas yang sama juga tersimpan dengan nama lain, mungkin di luar folder kiriman, sehingga tidak dibaca. Simpan salinan berkas yang sebenarnya di tempat ini.",
        "{value} is a hard link: the same file also exists under another name, possibly outside the submissions folder, so it was not read. Put a real copy of the file here.",
    ),
    "layout-error:not-regular": (
        "{value} bukan berkas biasa (melainkan pipa, perangkat, atau soket), sehingga tidak dibaca. Simpan berkas CSV atau XLSX biasa di tempat ini.",
        "{value} is not an ordinary file (it is a pipe, a device or a socket), so it was not read. Put an ordinary CSV or XLSX file here.",
    ),
    "layout-error:too-many": (
        "Folder {value} berisi {count} berkas atau folder yang tidak diharapkan; {shown} yang pertama dilaporkan satu per satu dan {rest} lainnya tidak dirinci. Rapikan folder ini: hapus semua yang bukan folder periode, folder instansi, atau berkas agendas, decisions dan performance.",
        "The folder {value} holds {count} unexpected files or folders; the first {shown} are reported one by one and the other {rest} are not listed. Tidy the folder: remove everything that is not a period folder, an agency folder, or an agendas, decisions or performance file.",
    ),
    "xlsx-too-large": (
        "Isi buku kerja ini berukuran {size_mb} MB setelah dibuka (didekompresi), melebihi batas {limit_mb} MB, sehingga tidak diperiksa. Hapus lembar, baris dan kolom yang tidak diperlukan (termasuk gambar dan format pada sel kosong), atau kirim datanya sebagai CSV UTF-8.",
        "Once unpacked, this workbook's content is {size_mb} MB, above the {limit_mb} MB limit, so it was not checked. Remove the sheets, rows and columns that are not needed (images and formatting of empty cells included), or send the data as CSV UTF-8.",
    ),
    "too-many-rows": (
        "Berkas ini berisi lebih dari {limit} baris data (baris {row} sudah melewati batas), sehingga tidak diperiksa. Baris kosong yang pernah diformat ikut dihitung. Kirim hanya data satu bulan untuk instansi Anda dan hapus baris yang tidak diperlukan, termasuk baris kosong di bawah tabel; bila data satu bulan memang lebih banyak, hubungi petugas data MPP.",
        "This file has more than {limit} data rows (row {row} is already past the limit), so it was not checked. Empty rows that were once formatted count too. Send only one month of your agency's data and delete the rows that are not needed, empty rows below the table included; if one month's data really is larger, contact the mall's data officer.",
    ),
    "too-many-columns": (
        "Baris {row} berisi {found} kolom (sampai kolom {column}), melebihi batas {limit} kolom, sehingga berkas tidak diperiksa. Kolom kosong yang berisi format, spasi, atau pemisah berlebih ikut dihitung. Hapus kolom yang tidak diperlukan; gunakan templat {table}, yang memuat semua kolom yang diperlukan.",
        "Row {row} has {found} columns (up to column {column}), above the limit of {limit} columns, so the file was not checked. Empty columns holding formatting, spaces or extra separators count too. Delete the columns that are not needed; use the {table} template, which has every column needed.",
    ),
    "cell-too-long": (
        "Sel {where} berisi {length} karakter, melebihi batas {limit} karakter per sel (Excel pun tidak dapat menyimpan lebih dari 32.767 karakter dalam satu sel), sehingga berkas ditolak dan tidak diperiksa lebih lanjut. Persingkat teksnya; uraian yang panjang dapat disimpan dalam dokumen terpisah, lalu tautannya dituliskan di sel ini.",
        "Cell {where} holds {length} characters, above the limit of {limit} characters per cell (Excel cannot keep more than 32,767 characters in a cell either), so the file was rejected and not checked further. Shorten the text; a long description can go in a separate document, with its link in this cell.",
    ),
    "too-many-problems": (
        "Berkas ini memuat {total} {kind}; {shown} yang pertama dirinci di atas dan {rest} lainnya tidak dirinci satu per satu. Jumlah yang tidak dirinci menurut jenis dan kolom: {groups}. {advice}",
        "This file has {total} {kind}; the first {shown} are listed above and the other {rest} are not listed one by one. Those not listed, by kind and column: {groups}. {advice}",
    ),
    "control-character": (
        "Kolom {field} memuat karakter kendali yang tidak terlihat ({char}), biasanya terbawa saat menyalin dari program lain. Karakter itu tidak dapat disimpan di Excel maupun diterbitkan. Ketik ulang isi sel ini, atau tempel sebagai teks biasa; isinya tanpa karakter itu: {value}.",
        "Column {field} holds an invisible control character ({char}), usually carried over when copying from another program. It can be neither kept in Excel nor published. Retype the cell, or paste it as plain text; its content without that character: {value}.",
    ),
    # --- personal data (contract revision 2, "Personal data") ------------------------
    "personal-data-id": (
        "Kolom {field} memuat nomor 16 angka yang berbentuk NIK atau nomor KK ({found}). Data pribadi warga tidak boleh diterbitkan: hapus nomor itu dari sel ini. Bila perlu, sebut warga tanpa data pribadinya, misalnya \"seorang pemohon\".",
        "Column {field} holds a 16-digit number in the form of a NIK or family card (KK) number ({found}). Citizens' personal data must not be published: delete the number from this cell. If needed, refer to the person without personal data, for example \"an applicant\".",
    ),
    "personal-data-contact": (
        "Kolom {field} memuat nomor telepon atau alamat surel ({found}). Kontak pribadi tidak boleh diterbitkan: hapus dari sel ini. Bila itu kontak layanan resmi, minta petugas data MPP mencantumkannya sebagai kontak publik (public_contacts di portal.toml).",
        "Column {field} holds a telephone number or an e-mail address ({found}). Personal contacts must not be published: delete it from this cell. If it is an official service contact, ask the mall's data officer to list it as a public contact (public_contacts in portal.toml).",
    ),
}

# Patterns of the contract explained in words (keyed by the exact pattern in the schemas).
PATTERN_WORDS: dict[str, Message] = {
    "^[a-z][a-z0-9-]{1,31}$": Message(
        "kode instansi dari huruf kecil, angka dan tanda hubung (-), diawali huruf, 2 sampai 32 karakter, tanpa spasi, misalnya disdukcapil",
        "an agency code of lowercase letters, digits and hyphens (-), starting with a letter, 2 to 32 characters, no spaces, for example disdukcapil",
    ),
    "^[a-z][a-z0-9-]{1,63}$": Message(
        "kode dari huruf kecil, angka dan tanda hubung (-), diawali huruf, 2 sampai 64 karakter, tanpa spasi, misalnya ktp-el",
        "a code of lowercase letters, digits and hyphens (-), starting with a letter, 2 to 64 characters, no spaces, for example ktp-el",
    ),
    "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$": Message(
        "kode dari huruf, angka, titik (.), garis bawah (_) atau tanda hubung (-), diawali huruf atau angka, paling banyak 64 karakter, tanpa spasi, misalnya AGD-2026-10-01",
        "a code of letters, digits, dots (.), underscores (_) or hyphens (-), starting with a letter or digit, at most 64 characters, no spaces, for example AGD-2026-10-01",
    ),
    "^[0-9]{4}-(0[1-9]|1[0-2])$": Message(
        "TAHUN-BULAN dengan bulan dua angka 01 sampai 12, misalnya 2026-10",
        "YEAR-MONTH with a two-digit month from 01 to 12, for example 2026-10",
    ),
    "^https?://[^\\s]+$": Message(
        "alamat web lengkap yang diawali http:// atau https://, tanpa spasi, misalnya https://instansi.contoh.go.id/notula.pdf",
        "a full web address starting with http:// or https://, without spaces, for example https://agency.example.go.id/minutes.pdf",
    ),
}
