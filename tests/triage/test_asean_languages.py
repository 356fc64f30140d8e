"""Scam job offers, legitimate ads, warnings and urgent reports in the ASEAN locales
added to the portal: Malay (ms), Thai (th), Khmer (km), Lao (lo), Burmese (my) and
Filipino (tl).

The ads are written the way recruiters post them on Facebook pages, Telegram
channels and LINE groups (mixed with English where that is how people write),
after the phrasings and places of shared/reference/job_offer_red_flags.md §1b-§1c.
Thai, Lao, Khmer and Burmese are written without spaces between words: these
tests also pin down how the rule engine handles such scripts (no word boundaries
inside them, script index keys, glued negators, native digits, NFKC forms).
⚠ The Thai, Lao, Khmer and Burmese texts need a native speaker's review.
"""

from __future__ import annotations

import unicodedata

import pytest

from portal.job_offers.checker import RISKS, check
from portal.triage import rules
from portal.triage.job_offer import match_job_offer, match_job_red_flags
from portal.triage.rules import (
    detect_languages,
    fold,
    load_ruleset,
    match_rules,
    prepare,
    salary_usd_per_month,
    strip_diacritics,
)
from portal.triage.scoring import score
from tests.triage.helpers import brute_force_hits

NEW_LANGS = ("ms", "th", "km", "lo", "my", "tl")
RANK = {risk: index for index, risk in enumerate(reversed(RISKS))}  # low 0, medium 1, high 2

# fmt: off
# (lang, text, flag ids that must be found, expected risk)
SCAMS = [
    # ── Thai ──
    ("th", "🔥ด่วน!! รับสมัครแอดมินตอบแชท / การตลาดออนไลน์ ทำงานที่เมียวดี เงินเดือน 35,000 บาท ไม่ต้องมีประสบการณ์ ฟรีตั๋วเครื่องบิน ที่พัก อาหาร ใช้วีซ่าท่องเที่ยวเข้าไปก่อน สนใจทักไลน์ @jobth99",
     {"hotspot_destination", "tourist_visa_entry", "unrealistic_salary", "no_experience_required", "vague_job_title"}, "high"),
    ("th", "รับสมัครพนักงานคีย์ข้อมูล ทำงานที่ KK Park เงินเดือน 4 หมื่น+ค่าคอม พิมพ์ไทยได้เร็ว มีรถไปรับที่แม่สอด แล้วข้ามแม่น้ำเมยไปฝั่งเมียวดี ไม่ต้องผ่านด่าน บริษัทจะเก็บพาสปอร์ตไว้ให้",
     {"hotspot_destination", "irregular_route", "passport_handover", "typing_or_language_test", "unrealistic_salary"}, "high"),
    ("th", "งานสบายเงินดี!! Customer service ภาษาไทย ประจำสีหนุวิลล์ กัมพูชา รายได้ 30,000-50,000 บาท/เดือน บินฟรี ที่พักฟรี ไม่ต้องสอบ เดินทางได้ทันที ติดต่อทาง Telegram @hr_sihanouk",
     {"hotspot_destination", "unrealistic_salary", "urgency_pressure", "informal_channel_only"}, "high"),
    ("th", "หางานปอยเปต เว็บบาคาร่า สล็อต รับแอดมิน 20 อัตรา เงินเดือน 25,000 บาท อายุ 18-30 ปี ค่าดำเนินการ 3,000 บาท โอนก่อนเดินทาง",
     {"hotspot_destination", "gambling_crypto_role", "upfront_fee", "unrealistic_salary", "age_gender_targeting"}, "high"),
    ("th", "ด่วน! งานต่างประเทศ เขตเศรษฐกิจพิเศษสามเหลี่ยมทองคำ ตำแหน่งเทรดคริปโต/ตอบแชทลูกค้า วันละ 1,500 บาท นั่งเรือข้ามจากเชียงแสน ไม่ต้องใช้พาสปอร์ต ไม่ต้องมีประสบการณ์",
     {"hotspot_destination", "gambling_crypto_role", "unrealistic_salary", "irregular_route", "passport_handover"}, "high"),
    ("th", "รับสมัครสาวหน้าตาดี อายุ 18-25 ปี ทำงานต้อนรับคาสิโน บาเวท รายได้หลักแสน ไม่ต้องเซ็นสัญญา ไปทำสัญญาที่โน่น ถ้า ตม. ถามให้บอกว่าไปเที่ยว",
     {"age_gender_targeting", "gambling_crypto_role", "hotspot_destination", "unrealistic_salary", "no_written_contract", "coached_to_lie"}, "high"),
    ("th", "งานพิมพ์เอกสารออนไลน์ ไปทำงานที่พม่า เงินเดือน 45,000 บาท ค่าสมัคร 2,500 บาท โอนเข้าบัญชีส่วนตัวของแอดมิน รับจำนวนจำกัด ทักแชท",
     {"hotspot_destination", "upfront_fee", "unrealistic_salary"}, "high"),
    ("th", "รับสมัครพนักงานตอบแชทออนไลน์ ทำที่บ้านได้ ค่าสมัคร 500 บาท แอดไลน์ @work123",
     {"upfront_fee", "vague_job_title", "informal_channel_only"}, "medium"),
    # ── Lao ──
    ("lo", "ດ່ວນ!! ຮັບສະໝັກພະນັກງານຕອບແຊັດ ເຮັດວຽກຢູ່ເຂດເສດຖະກິດພິເສດສາມຫຼ່ຽມຄຳ ບໍ່ແກ້ວ ເງິນເດືອນ 15,000,000 ກີບ ບໍ່ຕ້ອງມີປະສົບການ ມີທີ່ພັກຟຣີ ສົນໃຈທັກ inbox",
     {"hotspot_destination", "unrealistic_salary", "no_experience_required", "vague_job_title", "urgency_pressure"}, "high"),
    ("lo", "ຮັບສະໝັກແອັດມິນ ເວັບຄາສິໂນອອນລາຍ ເຮັດວຽກຢູ່ກຳປູເຈຍ ສີຫນຸວິວ ລາຍໄດ້ສູງ ເດີນທາງທັນທີ ໃຊ້ວີຊ່າທ່ອງທ່ຽວ ປ່ຽນເປັນວີຊ່າເຮັດວຽກພາຍຫຼັງ",
     {"hotspot_destination", "gambling_crypto_role", "unrealistic_salary", "tourist_visa_entry"}, "high"),
    ("lo", "ວຽກງ່າຍເງິນດີ ຢູ່ມຽນມາ ມຽວະດີ ເງິນເດືອນ 1,000 ໂດລາ ບໍລິສັດຈະເກັບພາສປອດໄວ້ ຂ້າມແມ່ນ້ຳຕອນກາງຄືນ",
     {"hotspot_destination", "unrealistic_salary", "passport_handover", "irregular_route"}, "high"),
    ("lo", "ຕ້ອງການຄົນດ່ວນ 10 ຄົນ ໄປເຮັດວຽກຕອບແຊັດ ຢູ່ຕົ້ນເຜິ້ງ ຄ່າສະໝັກ 500,000 ກີບ ໂອນເງິນກ່ອນ ເຂົ້າບັນຊີສ່ວນຕົວ",
     {"hotspot_destination", "upfront_fee", "urgency_pressure"}, "high"),
    ("lo", "ຮັບສະໝັກສາວງາມ ອາຍຸ 18-25 ປີ ເຮັດວຽກຕ້ອນຮັບ ຄາສິໂນ ຄິງໂຣມັນ ເງິນເດືອນສູງ ບໍ່ມີສັນຍາ",
     {"age_gender_targeting", "gambling_crypto_role", "hotspot_destination", "unrealistic_salary", "no_written_contract"}, "high"),
    ("lo", "ວຽກອອນລາຍ ພິມໄວ ໃຊ້ຄອມເປັນ ເງິນເດືອນ 12,000,000 ກີບ/ເດືອນ ບໍ່ຕ້ອງມີພາສປອດ ມີຄົນມາຮັບຢູ່ດ່ານ ບອກເຈົ້າໜ້າທີ່ວ່າໄປທ່ຽວ",
     {"typing_or_language_test", "unrealistic_salary", "passport_handover", "irregular_route", "coached_to_lie"}, "high"),
    ("lo", "ຕ້ອງການພະນັກງານການຕະຫຼາດອອນລາຍ ໄປເຮັດວຽກແມ່ສອດ ລາຍໄດ້ສູງ ຄ່າເອກະສານ 2,000,000 ກີບ ທັກແຊັດ",
     {"hotspot_destination", "unrealistic_salary", "upfront_fee", "vague_job_title"}, "high"),
    ("lo", "ຮັບສະໝັກແອັດມິນ ວຽກອອນລາຍ ຄ່າສະໝັກ 300,000 ກີບ ສົນໃຈທັກ inbox",
     {"upfront_fee", "vague_job_title", "informal_channel_only"}, "medium"),
    # ── Khmer ──
    ("km", "ត្រូវការបុគ្គលិកបន្ទាន់!! ផ្នែកសេវាកម្មអតិថិជន ធ្វើការនៅខេត្តព្រះសីហនុ ប្រាក់ខែ 1000$ មិនត្រូវការបទពិសោធន៍ មានកន្លែងស្នាក់នៅឥតគិតថ្លៃ ទាក់ទងតាម Telegram @kh_job88",
     {"hotspot_destination", "unrealistic_salary", "no_experience_required", "vague_job_title", "urgency_pressure", "informal_channel_only"}, "high"),
    ("km", "ជ្រើសរើសបុគ្គលិកឆ្លើយឆាត ទៅធ្វើការនៅមីយ៉ាន់ម៉ា ប្រាក់ខែ 1500$ ក្រុមហ៊ុនរក្សាទុកលិខិតឆ្លងដែន ជិះឡានឆ្លងព្រំដែន មិនឆ្លងកាត់ច្រក",
     {"hotspot_destination", "unrealistic_salary", "passport_handover", "irregular_route"}, "high"),
    ("km", "ការងារស្រួល ប្រាក់ខែខ្ពស់! កាស៊ីណូអនឡាញ នៅបាវិត ត្រូវការនារីស្អាត អាយុ 18-25 ឆ្នាំ ប្រាក់ខែ ១២០០ ដុល្លារ គ្មានកិច្ចសន្យា",
     {"hotspot_destination", "unrealistic_salary", "gambling_crypto_role", "no_written_contract", "age_gender_targeting"}, "high"),
    ("km", "ត្រូវការអ្នកវាយអក្សរលឿន ធ្វើការនៅឡាវ តំបន់ត្រីកោណមាស ប្រាក់ខែ 800$ ថ្លៃដាក់ពាក្យ 50$ បង់លុយមុន តាម ABA",
     {"hotspot_destination", "unrealistic_salary", "upfront_fee", "typing_or_language_test"}, "high"),
    ("km", "ទៅធ្វើការថៃ ជាអ្នកលក់អនឡាញ ប្រាក់ខែ ៣០០០០ បាត ប្រើទិដ្ឋាការទេសចរណ៍ បើអន្តោប្រវេសន៍សួរ ប្រាប់ថាទៅដើរលេង",
     {"tourist_visa_entry", "coached_to_lie", "unrealistic_salary", "vague_job_title"}, "high"),
    ("km", "ប្រាក់ខែ 700$ ធ្វើការនៅប៉ោយប៉ែត ផ្នែកទីផ្សារអនឡាញ ក្រុមហ៊ុនចេញថ្លៃធ្វើដំណើរ ត្រូវបង់ថ្លៃសេវា 200$ មុនចេញដំណើរ ផ្ញើតាម Wing",
     {"hotspot_destination", "unrealistic_salary", "upfront_fee", "employer_pays_all_costs"}, "high"),
    ("km", "ការងារឆ្លើយសារអតិថិជន នៅប្រទេសភូមា ចំណូលខ្ពស់ គ្មានលិខិតឆ្លងដែនក៏ទៅបាន មានឡានមកទទួលនៅព្រំដែន",
     {"hotspot_destination", "unrealistic_salary", "passport_handover", "irregular_route"}, "high"),
    ("km", "ត្រូវការបុគ្គលិកលក់អនឡាញ ធ្វើការនៅផ្ទះ ថ្លៃដាក់ពាក្យ 10$ ឆាតមក",
     {"upfront_fee", "vague_job_title", "informal_channel_only"}, "medium"),
    # ── Burmese ──
    ("my", "အမြန်ခေါ်ယူနေပါသည်!! Customer Service / အွန်လိုင်းအရောင်း ဝန်ထမ်း မြဝတီမှာ လုပ်ရမည် လစာ သိန်း ၃၀ အတွေ့အကြုံမလိုပါ လေယာဉ်လက်မှတ်အခမဲ့ နေစရာ စားစရာ ဖရီး Telegram ဖြင့်ဆက်သွယ်ပါ",
     {"hotspot_destination", "unrealistic_salary", "no_experience_required", "vague_job_title", "urgency_pressure", "informal_channel_only"}, "high"),
    ("my", "KK Park မှာ ဒေတာအင်ထရီ ဝန်ထမ်းခေါ်မယ် လစာ ၅၀ သိန်း ပတ်စ်ပို့ ကုမ္ပဏီက သိမ်းထားမယ် ညဘက် မြစ်ကူးပြီး သွားရမယ်",
     {"hotspot_destination", "unrealistic_salary", "passport_handover", "irregular_route"}, "high"),
    ("my", "ထိုင်းနိုင်ငံ မဲဆောက်ကနေ ဖြတ်ပြီး ရွှေကုက္ကိုမှာ အလုပ်ဆင်း ကာစီနို အွန်လိုင်း ချတ်ဖြေ ဝန်ထမ်း လစာ ၁၀၀၀ ဒေါ်လာ တိုးရစ်ဗီဇာနဲ့ သွားရမည်",
     {"hotspot_destination", "gambling_crypto_role", "unrealistic_salary", "tourist_visa_entry"}, "high"),
    ("my", "ကမ္ဘောဒီးယား ဆီဟာနုဗီးလ် အလုပ်ချောင် လစာကောင်း စာရိုက်မြန်သူ လိုအပ်သည် ပွဲခ ကျပ် ၁၅ သိန်း ကြိုတင်ပေးရမည်",
     {"hotspot_destination", "unrealistic_salary", "typing_or_language_test", "upfront_fee"}, "high"),
    ("my", "လာအို ရွှေတြိဂံ အထူးစီးပွားရေးဇုန် ဘောလုံးပွဲလောင်း website အက်ဒမင် လစာ ၁၂၀၀ ဒေါ်လာ စာချုပ်မရှိ ပတ်စ်ပို့မလို",
     {"hotspot_destination", "gambling_crypto_role", "unrealistic_salary", "no_written_contract", "passport_handover"}, "high"),
    ("my", "အလုပ်သမား ၂၀ ဦး အမြန်လိုသည် တရုတ်ကုမ္ပဏီ မြဝတီ အွန်လိုင်းဈေးရောင်း တစ်ရက် ကျပ် ၅၀,၀၀၀ ရမည် လ.ဝ.က ကို ခရီးသွားလို့ ပြောရမယ်",
     {"hotspot_destination", "unrealistic_salary", "coached_to_lie", "urgency_pressure"}, "high"),
    ("my", "အွန်လိုင်းအလုပ် ဝင်ငွေကောင်းကောင်း ရှာနေသူများ ကမ္ဘောဒီးယားမှာ လုပ်ရမည် လျှောက်လွှာကြေး ကျပ် ၅၀,၀၀၀ KBZPay ဖြင့် ငွေလွှဲပေးရမည်",
     {"hotspot_destination", "unrealistic_salary", "upfront_fee"}, "high"),
    ("my", "အွန်လိုင်း အလုပ် ချတ်ဖြေ ဝန်ထမ်းခေါ်မယ် လျှောက်လွှာကြေး ကျပ် ၁၀,၀၀၀ Viber နဲ့ဆက်သွယ်ပါ",
     {"upfront_fee", "vague_job_title", "informal_channel_only"}, "medium"),
    # ── Malay ──
    ("ms", "KEKOSONGAN SEGERA!! Kerja customer service di Kemboja (Sihanoukville), gaji RM6,000 sebulan, tiada pengalaman diperlukan. Tiket kapal terbang percuma, tempat tinggal percuma. Masuk guna visa pelancong dulu, visa kerja diuruskan di sana. Berminat PM saya.",
     {"hotspot_destination", "unrealistic_salary", "no_experience_required", "tourist_visa_entry", "employer_pays_all_costs"}, "high"),
    ("ms", "Jawatan admin kasino online di Myawaddy, gaji tinggi USD 1,500. Pasport akan dipegang oleh syarikat. Tiada kontrak, terus kerja bila sampai.",
     {"hotspot_destination", "gambling_crypto_role", "unrealistic_salary", "passport_handover", "no_written_contract"}, "high"),
    ("ms", "Peluang kerja di Laos, kawasan Golden Triangle. Pemasaran dalam talian, boleh menaip laju, fasih bahasa Mandarin. Gaji RM7,000. Naik bot dari Thailand, dijemput di sempadan.",
     {"hotspot_destination", "vague_job_title", "typing_or_language_test", "unrealistic_salary", "irregular_route"}, "high"),
    ("ms", "Kerja senang gaji besar! Operator slot online di Poipet, Kemboja. Yuran pemprosesan RM800, bank in ke akaun peribadi saya dulu. Tempat terhad!",
     {"hotspot_destination", "gambling_crypto_role", "unrealistic_salary", "upfront_fee"}, "high"),
    ("ms", "Wanita cantik umur 18-25 dicari untuk jawatan penyambut tetamu kasino di Bavet. Gaji lumayan, tiket percuma. Kalau imigresen tanya, cakap je nak bercuti.",
     {"age_gender_targeting", "gambling_crypto_role", "hotspot_destination", "unrealistic_salary", "coached_to_lie"}, "high"),
    ("ms", "Kerja di Thailand sebagai data entry, gaji RM5,500 sebulan. Ikut jalan belakang ke Mae Sot, tak perlu pasport. Jangan cakap nak kerja kalau ditanya.",
     {"hotspot_destination", "irregular_route", "passport_handover", "coached_to_lie", "unrealistic_salary"}, "high"),
    ("ms", "Kerja part time online, gaji RM300 sehari! Hanya perlu menaip. Yuran pendaftaran RM150, bayar dulu melalui TNG.",
     {"unrealistic_salary", "upfront_fee"}, "medium"),
    ("ms", "Kerja di Myanmar, gaji USD 2,000 sebulan, semua kos ditanggung. WhatsApp saya +95 9 123 456 789.",
     {"hotspot_destination", "unrealistic_salary", "informal_channel_only", "employer_pays_all_costs"}, "high"),
    # ── Filipino ──
    ("tl", "URGENT HIRING!! CSR sa Cambodia, Sihanoukville. ₱60,000 monthly, walang experience needed! Libreng pamasahe at tirahan. Tourist visa lang muna, iko-convert pagdating. PM lang po!",
     {"hotspot_destination", "unrealistic_salary", "no_experience_required", "tourist_visa_entry", "employer_pays_all_costs"}, "high"),
    ("tl", "Hiring chat support sa Myanmar (Myawaddy). Sahod 1,500 USD kada buwan. Hahawakan ng kompanya ang passport para safe. Sabihin mo sa immigration na magbabakasyon ka lang.",
     {"hotspot_destination", "unrealistic_salary", "passport_handover", "coached_to_lie"}, "high"),
    ("tl", "Online casino typist sa Laos, Golden Triangle SEZ. Mabilis mag-type at marunong sa computer. ₱80k/month! Sasakay ng bangka papuntang Thailand tapos tawid border.",
     {"hotspot_destination", "gambling_crypto_role", "typing_or_language_test", "unrealistic_salary", "irregular_route"}, "high"),
    ("tl", "Malaki ang sahod! Data encoder sa Poipet. Placement fee ₱15,000 via GCash sa personal account ko. Limited slot!",
     {"hotspot_destination", "unrealistic_salary", "upfront_fee", "urgency_pressure"}, "high"),
    ("tl", "Naghahanap ng magagandang babae, edad 18-25, receptionist sa casino sa Bavet. Walang kontrata, pirmahan na lang pagdating doon. ₱50,000 kada buwan.",
     {"age_gender_targeting", "gambling_crypto_role", "hotspot_destination", "no_written_contract", "unrealistic_salary"}, "high"),
    ("tl", "Work abroad sa Dubai then transfer sa Cambodia, online selling. Sahod $1,200. Dadaan sa Zamboanga papuntang Sabah, backdoor. Huwag sabihin na magtatrabaho ka.",
     {"hotspot_destination", "unrealistic_salary", "irregular_route", "coached_to_lie"}, "high"),
    ("tl", "Sideline online! Chat agent, ₱2,000 kada araw, work from home. Reservation fee ₱500 muna bago ka ma-train. Message mo lang ako.",
     {"unrealistic_salary", "upfront_fee", "vague_job_title"}, "high"),
    ("tl", "Hiring encoder, work from home, processing fee ₱1,000. PM for details.",
     {"upfront_fee", "vague_job_title", "informal_channel_only"}, "medium"),
]

# (lang, text): legitimate ads as employers and licensed agencies post them
LEGITIMATE = [
    ("th", "โรงแรมระดับ 5 ดาว ภูเก็ต รับสมัครพนักงานต้อนรับส่วนหน้า วุฒิ ปวส. ขึ้นไป มีประสบการณ์ 1 ปี พูดภาษาอังกฤษได้ เงินเดือน 15,000-18,000 บาท + เซอร์วิสชาร์จ ประกันสังคม ที่อยู่: บริษัท ภูเก็ตรีสอร์ท จำกัด ถนนราษฎร์อุทิศ ป่าตอง"),
    ("th", "บริษัท สยามฟู้ดส์ จำกัด รับสมัครพนักงานฝ่ายผลิต 30 อัตรา นิคมอุตสาหกรรมอมตะซิตี้ ชลบุรี ค่าแรงวันละ 370 บาท + OT มีรถรับส่ง ประกันสังคม ไม่เก็บค่าสมัคร ไม่มีค่าใช้จ่ายใดๆ"),
    ("th", "บริษัทจัดหางานที่ได้รับอนุญาต ใบอนุญาตจัดหางานเลขที่ น.123/2560 รับสมัครคนงานเกษตรไปทำงานที่อิสราเอล สัญญาจ้าง 2 ปี วีซ่าทำงาน อบรมก่อนเดินทาง ตรวจสอบได้ที่กรมการจัดหางาน doe.go.th"),
    ("th", "รับสมัครพนักงานแอดมินประจำสำนักงาน สาขาลาดพร้าว กรุงเทพฯ วุฒิ ปวส./ป.ตรี มีประสบการณ์ 1 ปีขึ้นไป ใช้ Excel ได้ เงินเดือน 15,000-18,000 บาท ประกันสังคม โบนัสประจำปี ส่งเรซูเม่ทาง hr@bkkoffice.co.th"),
    ("lo", "ບໍລິສັດ ລາວເທັກສ໌ຕາຍ ຈຳກັດ ຮັບສະໝັກພະນັກງານຫຍິບເຄື່ອງ 50 ຄົນ ເງິນເດືອນ 2,500,000 ກີບ + ໂອທີ ມີປະກັນສັງຄົມ ບໍ່ເສຍຄ່າສະໝັກ ທີ່ຢູ່: ບ້ານໂພນທັນ ນະຄອນຫຼວງວຽງຈັນ"),
    ("lo", "ບໍລິສັດຈັດຫາງານທີ່ໄດ້ຮັບອະນຸຍາດຈາກກະຊວງແຮງງານ ແລະ ສະຫວັດດີການສັງຄົມ ຮັບສະໝັກແຮງງານໄປເຮັດວຽກໂຮງງານຢູ່ປະເທດໄທ ຕາມລະບົບ MOU ມີສັນຍາແຮງງານ ແລະ ໃບອະນຸຍາດເຮັດວຽກ"),
    ("lo", "ໂຮງແຮມໃນຫຼວງພະບາງ ຮັບສະໝັກພະນັກງານຕ້ອນຮັບ ມີປະສົບການ 1 ປີ ເວົ້າພາສາອັງກິດໄດ້ ເງິນເດືອນ 3,000,000 ກີບ ມີອາຫານທ່ຽງ ສົ່ງຊີວະປະຫວັດມາທີ່ຫ້ອງການໂຮງແຮມ"),
    ("lo", "ຮ້ານມິນິມາດ ຮັບສະໝັກພະນັກງານຂາຍ ແລະ ແຄັດເຊຍ 2 ຕຳແໜ່ງ ບໍ່ຈຳກັດວຸດທິ ເງິນເດືອນ 2,200,000 ກີບ ຕິດຕໍ່ທາງ WhatsApp 020 5555 1234"),
    ("km", "រោងចក្រកាត់ដេរ ក្រុមហ៊ុន ស៊ីធី ហ្គាមិន ឯ.ក ត្រូវការកម្មករកាត់ដេរ 100 នាក់ នៅខណ្ឌពោធិ៍សែនជ័យ រាជធានីភ្នំពេញ ប្រាក់ខែគោល 208$ បូកប្រាក់ម៉ោងបន្ថែម មាន ប.ស.ស ចុះកិច្ចសន្យាការងារ មិនយកថ្លៃដាក់ពាក្យ អាសយដ្ឋាន ផ្លូវលេខ 3"),
    ("km", "ក្រុមហ៊ុនជ្រើសរើសកម្មករ ដែលមានអាជ្ញាប័ណ្ណពីក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ ជ្រើសរើសកម្មករទៅធ្វើការនៅរោងចក្រប្រទេសថៃ តាមប្រព័ន្ធ MOU មានកិច្ចសន្យាការងារ និងទិដ្ឋាការការងារ"),
    ("km", "សណ្ឋាគារនៅខេត្តសៀមរាប ត្រូវការអ្នកទទួលភ្ញៀវ ចេះភាសាអង់គ្លេស មានបទពិសោធន៍ 1 ឆ្នាំ ប្រាក់ខែ 250$ - 300$ ដាក់ពាក្យផ្ទាល់នៅការិយាល័យសណ្ឋាគារ"),
    ("km", "ហាងលក់ទូរស័ព្ទ ត្រូវការបុគ្គលិកលក់ 2 នាក់ មិនត្រូវការបទពិសោធន៍ យើងនឹងបង្ហាត់ ប្រាក់ខែ 200$ ទាក់ទងតាម Telegram 012 345 678"),
    ("my", "ရွှေလင်ပန်း စက်မှုဇုန်ရှိ ABC Garment ကုမ္ပဏီလီမိတက် မှ စက်ချုပ်အလုပ်သမ အယောက် ၅၀ ခေါ်ယူမည် လစာ ကျပ် ၃ သိန်း + အချိန်ပိုကြေး လူမှုဖူလုံရေး ရှိ ပွဲခ မယူပါ လိပ်စာ - အမှတ် ၁၂ လှိုင်သာယာ"),
    ("my", "အလုပ်သမားဝန်ကြီးဌာန လိုင်စင်ရ အေဂျင်စီ (လိုင်စင်အမှတ် ၁၂၃/၂၀၂၀) မှ ထိုင်းနိုင်ငံ စက်ရုံအလုပ်များအတွက် MOU စနစ်ဖြင့် ခေါ်ယူသည် အလုပ်ဗီဇာ OWIC ကတ် အလုပ်စာချုပ် ပါဝင်သည်"),
    ("my", "ပုဂံရှိ ဟိုတယ်တစ်ခုတွင် ဧည့်ကြိုဝန်ထမ်း ခေါ်ယူမည် အင်္ဂလိပ်စကား ပြောတတ်ရမည် အတွေ့အကြုံ ၁ နှစ် ရှိရမည် လစာ ကျပ် ၄ သိန်း နေစရာ စားစရာ ပေးမည် CV ကို ဟိုတယ်ရုံးသို့ ပို့ပါ"),
    ("my", "ဖုန်းဆိုင် အရောင်းဝန်ထမ်း ၂ ဦး လိုအပ်သည် ပညာအရည်အချင်း မရွေး လစာ ကျပ် ၂ သိန်းခွဲ Viber ဖြင့်ဆက်သွယ်နိုင်ပါသည်"),
    ("ms", "Agensi pekerjaan berlesen (Lesen JTKSM No. 1234/2024) mencari operator pengeluaran untuk kilang elektronik di Bayan Lepas, Pulau Pinang. Gaji asas RM1,700 + elaun, KWSP, PERKESO. Kontrak pekerjaan ditandatangani sebelum mula bekerja. Tiada yuran dikenakan."),
    ("ms", "Kekosongan jawatan kerani akaun di syarikat logistik di Shah Alam. Kelayakan Diploma Perakaunan, pengalaman 1 tahun. Gaji RM2,200 - RM2,600. Hantar resume ke hr@logistikmaju.com.my"),
    ("ms", "Hotel di Langkawi memerlukan penyambut tetamu. Lepasan SPM/Diploma, boleh berbahasa Inggeris. Gaji RM1,900 + service charge, tempat tinggal disediakan. Temuduga terbuka di pejabat hotel setiap Selasa."),
    ("ms", "Kedai runcit di Kota Bharu cari pembantu kedai, tak perlu pengalaman, akan diberi latihan. Gaji RM1,700. Berminat WhatsApp 019-234 5678."),
    ("tl", "Licensed by DMW (License No. DMW-123-LB-2024). Hiring caregivers para sa Japan, may employment contract bago umalis, working visa, PDOS at OEC. Walang placement fee."),
    ("tl", "Hiring: Cashier at sales clerk sa aming grocery sa Davao. High school graduate pwede. Sahod ₱450 kada araw, may SSS, PhilHealth at Pag-IBIG. Mag-apply sa aming opisina."),
    ("tl", "BPO sa Ortigas naghahanap ng CSR. Fresh grads welcome, may typing test at English assessment. Salary ₱20,000 - ₱25,000 monthly. Walk-in sa aming office."),
    ("tl", "Resort sa El Nido hiring housekeeping staff. May libreng tirahan at pagkain. Sahod ₱15,000 monthly. Ipadala ang resume sa hr@elnidoresort.ph"),
]

# (lang, text): warning campaigns that quote the same lures, and mention abuse
WARNINGS = [
    ("th", "เตือนภัย! มิจฉาชีพหลอกคนไทยไปทำงานแอดมินที่เมียวดี อ้างเงินเดือนสูง ใช้วีซ่าท่องเที่ยว สุดท้ายถูกขายให้แก๊งคอลเซ็นเตอร์ ตำรวจแนะนำอย่าหลงเชื่อ"),
    ("lo", "ລະວັງ! ການຫຼອກລວງໄປເຮັດວຽກຢູ່ສາມຫຼ່ຽມຄຳ ອ້າງວ່າເງິນເດືອນສູງ ວຽກງ່າຍ ຜູ້ເຄາະຮ້າຍຫຼາຍຄົນຖືກຍຶດພາສປອດ ຕຳຫຼວດແນະນຳຢ່າຫຼົງເຊື່ອ"),
    ("km", "ការព្រមាន! ជនខិលខូចបោកប្រាស់ឲ្យទៅធ្វើការនៅព្រះសីហនុ ដោយសន្យាថាប្រាក់ខែខ្ពស់ ជនរងគ្រោះជាច្រើនត្រូវរឹបអូសលិខិតឆ្លងដែន នគរបាលអំពាវនាវឲ្យប្រយ័ត្ន"),
    ("my", "သတိပေးချက်! မြဝတီ KK Park မှာ အလုပ်ကောင်း ပေးမယ်ဆိုပြီး လိမ်လည်ခေါ်ဆောင်နေတဲ့ လူကုန်ကူးသူတွေ ရှိနေပါတယ်။ ခံရသူ အများအပြား ပတ်စ်ပို့ သိမ်းထားခံရပြီး ရိုက်နှက်ခံရကြောင်း သတင်းများအရ သိရပါသည်"),
    ("ms", "AWAS! Sindiket penipuan menawarkan kerja 'customer service' di Kemboja dengan gaji tinggi. Ramai mangsa ditahan dan pasport dirampas. PDRM dan Wisma Putra menasihatkan orang ramai supaya berhati-hati."),
    ("tl", "BABALA: Mag-ingat sa mga pekeng job offer na CSR sa Cambodia at Myanmar. Maraming biktima ang ginawang scammer, kinuha ang passport at binugbog. Ayon sa DMW at IACAT, huwag maniwala sa tourist visa muna."),
]

# (lang, text): news reports about rescues and raids
NEWS = [
    ("th", "สำนักข่าวรายงานว่า ตำรวจช่วยเหลือคนไทย 30 คนจากแก๊งคอลเซ็นเตอร์ที่ปอยเปต ผู้เสียหายเล่าว่าถูกหลอกไปทำงานแอดมิน เงินเดือนสูง"),
    ("lo", "ສຳນັກຂ່າວສານລາຍງານວ່າ ຕຳຫຼວດໄດ້ຊ່ວຍເຫຼືອຜູ້ເຄາະຮ້າຍ 40 ຄົນ ຈາກເຂດເສດຖະກິດພິເສດສາມຫຼ່ຽມຄຳ ທີ່ຖືກຫຼອກໄປເຮັດວຽກຕອບແຊັດ"),
    ("km", "យោងតាមព័ត៌មាន នគរបាលបានជួយសង្គ្រោះជនរងគ្រោះ ៥០ នាក់ ពីបុរីបោកប្រាស់នៅក្រុងព្រះសីហនុ ដែលត្រូវបានគេសន្យាថាប្រាក់ខែខ្ពស់"),
    ("my", "သတင်းများအရ မြဝတီ KK Park မှ ထိုင်းနိုင်ငံသို့ ထွက်ပြေးလာသူ ၆၇၇ ဦး ရှိကြောင်း ရဲတပ်ဖွဲ့က ထုတ်ပြန်သည်"),
    ("ms", "Menurut PDRM, 30 mangsa sindiket penipuan kerja di Kemboja telah diselamatkan dan dibawa pulang ke Malaysia."),
    ("tl", "Ayon sa DMW, nasagip ang 20 Pilipino mula sa isang scam hub sa Myawaddy. Ang mga biktima ay na-recruit bilang CSR na may mataas na sahod."),
]

# (lang, a relative's or victim's report, urgent rule ids that must be found)
URGENT = [
    ("th", "ช่วยด้วยค่ะ น้องสาวของหนูไปทำงานที่เมียวดี ตอนนี้ถูกกักขังอยู่ในตึก โดนยึดพาสปอร์ต ถูกทำร้ายร่างกาย เขาบอกว่าต้องจ่ายค่าชดเชย 200,000 บาท ถึงจะปล่อยให้กลับบ้าน",
     {"held_captive", "passport_confiscated", "physical_abuse", "ransom_demand"}),
    ("th", "ลูกชายผมอายุ 16 ปี ถูกหลอกไปทำงานที่ปอยเปต ตอนนี้กลับบ้านไม่ได้ เขาบอกว่าจะขายต่อให้บริษัทอื่น",
     {"minor_involved", "cannot_return_home", "sold_to_another_company"}),
    ("lo", "ຊ່ວຍແດ່ ນ້ອງຊາຍຂອງຂ້ອຍຖືກຂາຍໃຫ້ບໍລິສັດອື່ນ ຢູ່ສາມຫຼ່ຽມຄຳ ຕອນນີ້ອອກໄປໃສບໍ່ໄດ້ ຖືກທຸບຕີທຸກມື້ ເຂົາບອກວ່າຕ້ອງຈ່າຍຄ່າໄຖ່ 5,000 ໂດລາ",
     {"sold_to_another_company", "held_captive", "physical_abuse", "ransom_demand"}),
    ("km", "សូមជួយផង! ប្អូនប្រុសរបស់ខ្ញុំត្រូវគេបង្ខាំងនៅក្នុងបុរីមួយនៅព្រះសីហនុ គេរឹបអូសលិខិតឆ្លងដែន ហើយវាយដំរាល់ថ្ងៃ គេទារប្រាក់លោះ 3000$ ទើបដោះលែង",
     {"held_captive", "passport_confiscated", "physical_abuse", "ransom_demand"}),
    ("my", "ကူညီပါ ကျွန်တော့်ညီ မြဝတီ ကုမ္ပဏီမှာ ချုပ်နှောင်ထားခံရတယ် ပတ်စ်ပို့ သိမ်းထားတယ် နေ့တိုင်း ရိုက်နှက်ခံရတယ် ရွေးငွေ ကျပ် သိန်း ၁၀၀ ပေးမှ ပြန်လွှတ်မယ်တဲ့ အခု အိမ်ပြန်ခွင့်မရဘူး",
     {"held_captive", "passport_confiscated", "physical_abuse", "ransom_demand", "cannot_return_home"}),
    ("ms", "Tolong! Adik saya dikurung dalam bangunan di Kemboja, pasport dia dirampas, dia dipukul setiap hari. Majikan minta wang tebusan RM20,000 baru dilepaskan.",
     {"held_captive", "passport_confiscated", "physical_abuse", "ransom_demand"}),
    ("tl", "Tulungan niyo po kami. Ang kapatid ko ay nakakulong sa isang compound sa Cambodia, kinuha nila ang passport niya at binugbog siya. Hindi siya makauwi hangga't hindi kami nagbabayad ng ₱200,000.",
     {"held_captive", "passport_confiscated", "physical_abuse", "cannot_return_home"}),
]

# (sale post, lang, news about the same drug) — staff-only lexicon, never public
DRUG_SALES = [
    ("มียาบ้า ยาไอซ์ พร้อมส่ง เม็ดละ 150 บาท ส่งทั่วประเทศ เก็บเงินปลายทาง สนใจทักไลน์ @ya_ok", "th",
     "ตำรวจจับกุมผู้ต้องหาพร้อมของกลางยาบ้า 2 ล้านเม็ด ที่จังหวัดเชียงราย"),
    ("ຂາຍຢາບ້າ ເມັດລະ 30,000 ກີບ ສົ່ງໄວ ສົນໃຈທັກ inbox", "lo",
     "ຕຳຫຼວດຈັບກຸມຜູ້ຕ້ອງຫາ ພ້ອມຂອງກາງຢາບ້າ 50,000 ເມັດ"),
    ("មានយ៉ាម៉ា និងម៉ាទឹកកក ក្រាមមួយ 20$ ដឹកដល់ផ្ទះ ឆាតមក", "km",
     "នគរបាលចាប់ខ្លួនជនសង្ស័យ និងដកហូតម៉ាទឹកកក ២ គីឡូក្រាម"),
    ("ယာဘ ရောင်းမယ် တစ်ပြား ၅၀၀၀ ကျပ် Viber နဲ့ မှာပါ အိမ်အရောက်ပို့", "my",
     "ရဲတပ်ဖွဲ့က ယာဘ ဆေးပြား သိန်းချီ ဖမ်းဆီးသိမ်းဆည်း"),
    ("Ada stok syabu, harga RM150 segram, COD sekitar KL. WhatsApp saya.", "ms",
     "Polis diraja menahan dua suspek dan merampas syabu bernilai RM2 juta, kata PDRM."),
    ("May stock ng shabu, ₱1,500 kada sachet, COD sa Tondo. PM lang po.", "tl",
     "Naaresto ng PDEA ang dalawang suspek sa buy-bust at nakumpiska ang shabu."),
]
# fmt: on


def short(text: str) -> str:
    return text[:36]


def flag_ids(text: str, lang: str, country: str | None = None) -> set[str]:
    return {flag.id for flag in check(text, lang=lang, country=country).flags}


def hit_ids(ruleset: str, text: str, lang: str | None = None) -> set[str]:
    return {hit.rule_id for hit in match_rules(load_ruleset(ruleset), prepare(text, lang))}


# ── the tables ──


def test_every_new_language_has_8_scams_4_legitimate_ads_a_warning_and_an_urgent_report() -> None:
    for lang in NEW_LANGS:
        assert sum(1 for item in SCAMS if item[0] == lang) >= 8, lang
        assert sum(1 for item in LEGITIMATE if item[0] == lang) >= 4, lang
        assert any(item[0] == lang for item in WARNINGS), lang
        assert any(item[0] == lang for item in NEWS), lang
        assert any(item[0] == lang for item in URGENT), lang
    assert {item[0] for item in SCAMS + LEGITIMATE} == set(NEW_LANGS)


# ── scam offers: expected flags and risk ──


@pytest.mark.parametrize(
    ("lang", "text", "expected", "risk"), SCAMS, ids=[short(s[1]) for s in SCAMS]
)
def test_scam_offer_shows_its_red_flags_and_risk(
    lang: str, text: str, expected: set[str], risk: str
) -> None:
    result = check(text, lang=lang)
    found = {flag.id for flag in result.flags}
    assert expected <= found, f"missing {expected - found}, found {sorted(found)}"
    assert result.risk == risk, sorted(found)
    reference_ids = {r.id for r in load_ruleset("job_red_flags").rules if r.group == "flag"}
    assert found <= reference_ids - {"hotspot_transit"}
    assert all(flag.snippet and flag.explanation for flag in result.flags)


@pytest.mark.parametrize("lang", NEW_LANGS)
def test_most_scams_of_a_language_are_high(lang: str) -> None:
    risks = [check(text, lang=lang).risk for code, text, _, _ in SCAMS if code == lang]
    assert risks.count("high") >= len(risks) - 2, risks
    assert "low" not in risks


# ── legitimate ads ──


@pytest.mark.parametrize(("lang", "text"), LEGITIMATE, ids=[short(s[1]) for s in LEGITIMATE])
def test_legitimate_ad_is_never_high(lang: str, text: str) -> None:
    result = check(text, lang=lang)
    assert result.risk != "high", [(f.id, f.snippet) for f in result.flags]


@pytest.mark.parametrize("lang", NEW_LANGS)
def test_legitimate_ads_mostly_come_out_low(lang: str) -> None:
    risks = [check(text, lang=lang).risk for code, text in LEGITIMATE if code == lang]
    assert risks.count("low") >= len(risks) * 0.75, risks


def test_a_licence_or_a_no_fee_statement_is_what_keeps_licensed_agencies_low() -> None:
    thai = next(text for lang, text in LEGITIMATE if lang == "th" and "กรมการจัดหางาน" in text)
    hits = {hit.rule_id for hit in match_job_offer(thai, lang="th")}
    assert {"licensed_recruiter", "official_process"} <= hits
    burmese = next(text for lang, text in LEGITIMATE if lang == "my" and "ပွဲခ" in text)
    assert "upfront_fee" not in flag_ids(burmese, "my")
    assert "upfront_fee" in flag_ids(burmese.replace("ပွဲခ မယူပါ", "ပွဲခ ကျပ် ၅ သိန်း"), "my")


# ── warnings and news rank below offers ──


@pytest.mark.parametrize(
    ("lang", "text"), WARNINGS + NEWS, ids=[f"{s[0]}-{i}" for i, s in enumerate(WARNINGS + NEWS)]
)
def test_a_warning_or_news_ranks_below_the_offers_it_warns_about(lang: str, text: str) -> None:
    result = check(text, lang=lang)
    notes = {note.id for note in result.notes}
    assert "warning_context" in notes and "hotspot_combination" not in notes
    offers = [text for code, text, _, risk in SCAMS if code == lang and risk == "high"]
    assert all(RANK[result.risk] < RANK[check(o, lang=lang).risk] for o in offers)
    warning_value = score("job-offer", text, lang=lang).value
    assert warning_value < min(score("job-offer", o, lang=lang).value for o in offers)


@pytest.mark.parametrize(("lang", "text"), WARNINGS, ids=[s[0] for s in WARNINGS])
def test_a_warning_that_mentions_abuse_is_not_an_urgent_report(lang: str, text: str) -> None:
    result = score("job-offer", text, lang=lang)
    assert result.priority != "urgent"
    assert "urgency_general_context" in {reason.rule_id for reason in result.reasons}


# ── urgent reports ──


@pytest.mark.parametrize(("lang", "text", "expected"), URGENT, ids=[s[0] for s in URGENT])
def test_urgent_report_is_top_priority(lang: str, text: str, expected: set[str]) -> None:
    for category in ("job-offer", "other"):
        result = score(category, text, lang=lang)
        found = {reason.rule_id for reason in result.reasons}
        assert result.priority == "urgent" and result.urgent and result.value >= 90
        assert expected <= found, f"missing {expected - found}"
    assert score("job-offer", text).priority == "urgent"  # without a declared language too


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("th", "ถอนเงินออกไม่ได้ โอนกลับไม่ได้ ช่วยด้วย"),  # an investment scam, not captivity
        ("lo", "ຖອນເງິນອອກບໍ່ໄດ້"),
        ("km", "ដកលុយចេញមិនបាន"),
        ("my", "ငွေထုတ်လို့မရဘူး"),
    ],
)
def test_money_that_cannot_be_withdrawn_is_not_a_person_held(lang: str, text: str) -> None:
    assert score("other", text, lang=lang).priority != "urgent"


def test_the_same_words_in_a_general_sentence_are_not_urgent() -> None:
    news = "ข่าวล่าสุด ตำรวจเปิดเผยว่ามีผู้เสียหายหลายร้อยคนถูกยึดพาสปอร์ตที่เมียวดี"
    assert score("job-offer", news, lang="th").priority != "urgent"
    assert score("job-offer", "ตอนนี้ลูกสาวของผมถูกยึดพาสปอร์ต", lang="th").priority == "urgent"


# ── language detection ──


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("th", "รับสมัครพนักงานด่วน"),
        ("lo", "ຮັບສະໝັກພະນັກງານດ່ວນ"),
        ("km", "ត្រូវការបុគ្គលិកបន្ទាន់"),
        ("my", "ဝန်ထမ်း အမြန်ခေါ်ယူနေပါသည်"),
        ("th", "Admin ประจำ KK Park ด่วน"),
        ("ms", "Kekosongan jawatan, sila hantar resume anda ke syarikat kami"),
        ("tl", "Naghahanap kami ng cashier para sa aming tindahan"),
    ],
)
def test_language_detection_recognises_each_language(lang: str, text: str) -> None:
    folded = fold(text)
    assert lang in detect_languages(folded, strip_diacritics(folded))
    assert lang in prepare(text).langs


def test_each_script_is_told_apart_and_symbols_alone_do_not_count() -> None:
    samples = {"th": "ด่วน", "lo": "ດ່ວນ", "km": "បន្ទាន់", "my": "အမြန်"}
    for lang, word in samples.items():
        assert rules.scripts_in(fold(word)) == {lang}
    assert rules.scripts_in(fold("Salary ฿30,000 / ៛")) == set()
    assert rules.scripts_in(fold("Phnom Penh, Yangon, Vientiane")) == set()
    assert {"th", "lo", "km", "my"} <= rules.ALL_LANGS


# ── the engine on scripts without spaces ──


def test_patterns_match_inside_running_text_and_glued_english_words() -> None:
    assert {"vague_job_title", "urgency_pressure"} <= flag_ids("รับสมัครแอดมินด่วนมาก", "th")
    assert "vague_job_title" in flag_ids("รับสมัครadminด่วน", "th")
    assert "vague_job_title" in flag_ids("ตำแหน่งcustomer serviceเงินดี", "th")
    # Latin word boundaries are unchanged: "cs" is not found inside "csr" or "docs"
    assert "vague_job_title" not in flag_ids("Please read the docs", "en")


def test_unspaced_patterns_are_indexed_by_script() -> None:
    assert rules._start_keys("ยาบ้า") == frozenset({"#th"})
    assert rules._start_keys("(ลาว|ລາວ)") == frozenset({"#th", "#lo"})
    assert rules._start_keys("(ยา)?บ้า") is None
    keys = prepare("งานadminด่วน").keys
    assert {"#th", "adm"} <= keys


def test_script_index_finds_exactly_what_running_every_regex_finds() -> None:
    texts = [item[1] for item in SCAMS + LEGITIMATE + WARNINGS + NEWS + URGENT] + [
        text for text, *_ in DRUG_SALES
    ]
    for name in ("drug_lexicon", "job_red_flags", "urgency", "extremism"):
        ruleset = load_ruleset(name)
        for text in texts:
            prepared = prepare(text)
            found = set(brute_force_hits(ruleset, prepared))
            assert set(rules._raw_hits(ruleset, prepared)) == found, text


def test_native_digits_fold_to_ascii_one_for_one() -> None:
    assert fold("๓๐,๐๐๐ บาท") == "30,000 บาท"
    assert fold("០១២ ៣៤៥") == "012 345"
    assert fold("໑໕,໐໐໐,໐໐໐") == "15,000,000"
    assert fold("၀၉ ၄၂၁") == "09 421"
    # so that number patterns such as an age band read native digits too
    assert "age_gender_targeting" in flag_ids("ត្រូវការនារី អាយុ ១៨-២៥ ឆ្នាំ", "km")
    assert "minor_involved" in hit_ids("urgency", "ลูกสาวอายุ ๑๕ ปี", "th")


def test_compatibility_forms_of_thai_and_lao_vowels_match_either_way() -> None:
    composed = "ค่าดำเนินการ 3,000 บาท"  # SARA AM U+0E33
    decomposed = composed.replace("\u0e33", "\u0e4d\u0e32")
    assert composed != decomposed
    assert "upfront_fee" in flag_ids(composed, "th") and "upfront_fee" in flag_ids(decomposed, "th")
    lao = "ຄ່າສະໝັກ 500,000 ກີບ"  # HO NO ligature U+0EDD
    assert "upfront_fee" in flag_ids(lao, "lo")
    assert "upfront_fee" in flag_ids(unicodedata.normalize("NFKC", lao), "lo")


@pytest.mark.parametrize(
    ("lang", "negated", "plain", "rule_id"),
    [
        ("th", "ไม่มีค่าสมัคร", "มีค่าสมัคร 500 บาท", "upfront_fee"),
        ("th", "ไม่ต้องเสียค่าหัว", "ค่าหัว 20,000 บาท", "upfront_fee"),
        ("th", "ฟรีค่าสมัคร", "ค่าสมัคร 300 บาท", "upfront_fee"),
        ("th", "ไม่ใช้ tourist visa", "ใช้ tourist visa", "tourist_visa_entry"),
        ("th", "ไม่ได้ใช้วีซ่าท่องเที่ยว", "ใช้วีซ่าท่องเที่ยว", "tourist_visa_entry"),
        ("lo", "ບໍ່ເສຍຄ່າສະໝັກ", "ເສຍຄ່າສະໝັກ", "upfront_fee"),
        ("km", "មិនយកថ្លៃដាក់ពាក្យ", "យកថ្លៃដាក់ពាក្យ", "upfront_fee"),
        ("km", "គ្មានកិច្ចសន្យាការងារ", "មានកិច្ចសន្យាការងារ", "official_process"),
        ("my", "ပွဲခ မယူပါ", "ပွဲခ ယူပါမည်", "upfront_fee"),
        ("my", "ပွဲခ အခမဲ့", "ပွဲခ ကျပ် ၁၀ သိန်း", "upfront_fee"),
    ],
)
def test_glued_negators_drop_a_match(lang: str, negated: str, plain: str, rule_id: str) -> None:
    assert rule_id in hit_ids("job_red_flags", plain, lang)
    assert rule_id not in hit_ids("job_red_flags", negated, lang)


def test_a_space_ends_the_phrase_of_a_glued_negator() -> None:
    # "cannot go anywhere, (and) beaten": the "not" belongs to the first phrase
    assert "physical_abuse" in hit_ids("urgency", "ອອກໄປໃສບໍ່ໄດ້ ຖືກທຸບຕີ", "lo")
    assert "physical_abuse" in hit_ids("urgency", "ไปไหนไม่ได้ ถูกทุบตี", "th")
    assert "physical_abuse" not in hit_ids("urgency", "ไม่ได้ถูกทุบตี", "th")


def test_negators_inside_a_pattern_are_part_of_it() -> None:
    assert "no_experience_required" in flag_ids("ไม่ต้องมีประสบการณ์", "th")
    assert "passport_handover" in flag_ids("ไม่ต้องใช้พาสปอร์ต", "th")
    assert "passport_handover" in flag_ids("ပတ်စ်ပို့မလို", "my")
    assert "cannot_return_home" in hit_ids("urgency", "ลูกสาวผมกลับบ้านไม่ได้", "th")


# ── salary in baht, kip, riel, kyat, ringgit, pesos ──


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("เงินเดือน 30,000 บาท", 870, 900),
        ("เงินเดือน ๓ หมื่นบาท/เดือน", 870, 900),
        ("เดือนละ 5 หมื่น", 1450, 1500),
        ("วันละ 1,500 บาท", 1130, 1170),
        ("ເງິນເດືອນ 15,000,000 ກີບ", 690, 705),
        ("ລາຍໄດ້ 8,000,000 ກີບ/ເດືອນ", 365, 380),
        ("ប្រាក់ខែ ១២០០$", 1199, 1201),
        ("ប្រាក់ខែ ១លានរៀល", 240, 255),
        ("ប្រាក់ខែ 800 ដុល្លារ ក្នុងមួយខែ", 799, 801),
        ("လစာ သိန်း ၂၀", 470, 490),
        ("လစာ ၅၀ သိန်း", 1190, 1210),
        ("လစာ သိန်း ၃၀ မှ ၅၀ အထိ", 1190, 1210),
        ("တစ်ရက် ကျပ် ၅၀,၀၀၀", 305, 320),
        ("gaji RM6,000 sebulan", 1400, 1420),
        ("sahod ₱60,000 monthly", 1025, 1040),
        ("₱2,000 kada araw", 890, 900),
    ],
)
def test_salaries_in_the_new_currencies_are_read_as_usd_per_month(
    text: str, low: float, high: float
) -> None:
    found = salary_usd_per_month(prepare(text))
    assert found is not None and low <= found[0] <= high, found


@pytest.mark.parametrize(
    "text",
    [
        "ค่าสมัคร 3,000 บาท",
        "ราคา 25,000 บาท",
        "ขายคอนโด ราคา 2,500,000 บาท ผ่อนเดือนละ 12,000 บาท นัดดูห้องวันที่ 15/12/2569",
        "เงินเดือน 15,000 บาท ค่าเช่าห้อง 30,000 บาท/เดือน",
        "ຂາຍລົດຈັກ ລາຄາ 15,000,000 ກີບ",
        "លក់ដី តម្លៃ 25000$ ថ្ងៃទី១៥ ខែធ្នូ ឆ្នាំ២០២៥",
        "ប្រាក់ខែ 200$ ថ្លៃដាក់ពាក្យ 500$",
        "၂၀၂၆ ခုနှစ် ဒီဇင်ဘာ ၁၅ ရက် ဈေးနှုန်း ကျပ် ၅၀၀၀",
        "ပွဲခ ကျပ် ၁၅ သိန်း",
        "Jual kereta, harga RM25,000",
    ],
)
def test_prices_fees_and_dates_are_not_salaries(text: str) -> None:
    found = salary_usd_per_month(prepare(text))
    assert found is None or found[0] < 500, found


def test_the_pay_baseline_follows_the_country_then_the_language() -> None:
    text = "Customer service ဝန်ထမ်းခေါ်မည် လစာ သိန်း ၂၀"  # a bait role, about 480 USD a month
    assert "unrealistic_salary" in flag_ids(text, "my")  # home MM: 2.5 x 80
    assert "unrealistic_salary" not in flag_ids(text, "my", country="TH")  # 2.5 x 330
    assert "unrealistic_salary" not in flag_ids(text, "en")  # default: 2.5 x 250
    thai = "พนักงานบัญชี เงินเดือน 20,000 บาท"  # an accountant, about 590 USD a month
    # An ordinary job at home is never "too good to be true", whoever reads it.
    assert "unrealistic_salary" not in flag_ids(thai, "th")
    assert "unrealistic_salary" not in flag_ids(thai, "th", country="MM")


def test_phone_numbers_take_the_region_of_the_language() -> None:
    assert ("phone", "+85512345678") in check("ទាក់ទង 012 345 678", lang="km").indicators
    assert ("phone", "+8562055551234") in check("ໂທ 020 5555 1234", lang="lo").indicators
    assert ("phone", "+959421234567") in check("ဖုန်း ၀၉ ၄၂၁၂ ၃၄၅၆၇", lang="my").indicators


# ── staff-only data: drug sales, extremism ──


@pytest.mark.parametrize(("text", "lang", "news"), DRUG_SALES, ids=[s[1] for s in DRUG_SALES])
def test_drug_sale_posts_are_high_and_news_about_them_lower(
    text: str, lang: str, news: str
) -> None:
    sale = score("drugs", text, lang=lang)
    assert sale.priority == "high", [r.rule_id for r in sale.reasons]
    assert score("drugs", news, lang=lang).value < sale.value


def test_a_bomb_making_request_is_an_extremism_signal_in_thai() -> None:
    assert "weapons_instructions" in hit_ids("extremism", "ใครรู้วิธีทำระเบิดบ้าง ส่งสูตรทำระเบิดมาที", "th")


# ── the checker in the new locales ──


@pytest.mark.parametrize("lang", NEW_LANGS)
def test_the_checker_works_in_each_new_locale_inside_the_app(app, lang: str) -> None:
    text = next(text for code, text, _, risk in SCAMS if code == lang and risk == "high")
    with app.app_context():
        result = check(text, lang=lang)
    assert result.risk == "high"
    assert all(flag.explanation and flag.title for flag in result.flags)


def test_hotspot_names_in_each_script() -> None:
    for lang, text in [
        ("th", "ไปทำงานที่เมียวดี"),
        ("th", "งานที่ปอยเปต"),
        ("lo", "ວຽກຢູ່ສາມຫຼ່ຽມຄຳ"),
        ("km", "ការងារនៅខេត្តព្រះសីហនុ"),
        ("my", "မြဝတီမှာ အလုပ်"),
        ("my", "ရွှေကုက္ကို"),
    ]:
        hits = {hit.rule_id for hit in match_job_red_flags(text, lang=lang)}
        assert "hotspot_destination" in hits, text


def test_english_phrases_mixed_into_the_ads_are_flags_too() -> None:
    text = "Pwede tourist muna. Don't tell immigration na work. Cross the river by car, give your passport to the agent."
    found = flag_ids(text, "tl")
    assert {"tourist_visa_entry", "coached_to_lie", "irregular_route", "passport_handover"} <= found


def test_thai_ads_hiring_migrant_workers_do_not_name_a_hotspot() -> None:
    text = "รับสมัครแรงงานกัมพูชา เมียนมา ลาว ทำงานโรงงานที่สมุทรสาคร ตามระบบ MOU"
    assert "hotspot_destination" not in flag_ids(text, "th")
    assert check(text, lang="th").risk == "low"


def test_an_ordinary_malaysian_wage_is_not_unrealistic_pay() -> None:
    # RM1,700 is the statutory minimum; RM3,000 for a factory operator is ordinary.
    ad = "Operator kilang di Shah Alam, gaji RM3,000 sebulan termasuk OT, asrama disediakan"
    assert "unrealistic_salary" not in flag_ids(ad, "ms", country="MY")
    assert "unrealistic_salary" in flag_ids(
        "Kerja admin online, gaji RM9,000 sebulan", "ms", country="MY"
    )
