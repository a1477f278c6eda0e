package benchdata

import (
	"fmt"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

type province struct{ slug, name, code string }

var provinces = []province{
	{"thanh-hoa", "tỉnh Thanh Hóa", "TH"},
	{"ha-noi", "thành phố Hà Nội", "HN"},
	{"da-nang", "thành phố Đà Nẵng", "DN"},
	{"dong-nai", "tỉnh Đồng Nai", "DNA"},
	{"tp-hcm", "Thành phố Hồ Chí Minh", "HCM"},
	{"binh-duong", "tỉnh Bình Dương", "BD"},
	{"nghe-an", "tỉnh Nghệ An", "NA"},
	{"hai-phong", "thành phố Hải Phòng", "HP"},
}

// provinceOf names the p-th province; beyond the list, numbered ones.
func provinceOf(p int) province {
	if p < len(provinces) {
		return provinces[p]
	}
	return province{fmt.Sprintf("tinh-%02d", p+1), fmt.Sprintf("tỉnh số %d", p+1), fmt.Sprintf("T%02d", p+1)}
}

var fundNames = map[domain.FundKind]string{
	domain.FundSocial:         "Quỹ Xã hội",
	domain.FundShelter:        "Quỹ Mái ấm Công đoàn",
	domain.FundCharity:        "Quỹ Từ thiện",
	domain.FundCapitalSupport: "Quỹ Trợ vốn CNLĐ nghèo",
	domain.FundMutualAid:      "Quỹ Tương trợ",
}

var companies = []string{
	"Công ty TNHH May Việt Tiến", "Công ty CP Giày Thượng Đình", "Công ty TNHH Điện tử Samsung",
	"Công ty CP Dệt may Thành Công", "Công ty TNHH Pouchen", "Bệnh viện Đa khoa tỉnh",
	"Trường THPT Chuyên", "Công ty Điện lực", "Công ty CP Thủy sản", "Công ty TNHH Gỗ Minh Phát",
}

var enterprises = []string{
	"Công ty CP Sữa Việt Nam", "Tập đoàn Điện lực Việt Nam", "Ngân hàng TMCP Công Thương",
	"Công ty TNHH Changshin Việt Nam", "Tổng Công ty Viễn thông", "Công ty CP Xi măng Nghi Sơn",
}

var campaigns = []string{"Tháng Công nhân", "Tết Sum vầy", "Mái ấm Công đoàn", "Chung tay vì người lao động"}

var projects = []string{"Chăn nuôi lợn", "Bán hàng tạp hóa", "May gia công", "Trồng rau sạch", "Sửa chữa xe máy"}

var reasons = []string{"Ghi nhầm số tiền", "Trùng chứng từ", "Ghi nhầm quỹ", "Người nhận từ chối nhận"}
